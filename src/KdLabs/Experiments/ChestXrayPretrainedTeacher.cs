using KdLabs.Models;

namespace KdLabs.Experiments;

/// <summary>Lesson 03's choice of teacher: the ImageNet one when its weights can be had, otherwise from scratch, saying which.</summary>
public static class ChestXrayPretrainedTeacher
{
    /// <summary>
    /// <paramref name="options"/> as asked when they start from ImageNet and its weights can be fetched (or are cached);
    /// otherwise from scratch with the settings docs/results.md measured that teacher with (6 epochs at 1e-3, all layers).
    /// <paramref name="note"/> says which teacher it is and why.
    /// </summary>
    public static ChestXrayOptions OrScratch(ChestXrayOptions options, out string note, Action<string>? log = null)
    {
        if (options.Pretrained != ChestXrayTeacherStart.ImageNet)
        {
            note = "teacher from scratch (pretrained = \"none\")";
            return options;
        }
        if (ImageNetResNet.TryEnsureWeights(out var why, log) is not null)
        {
            note = $"teacher from ImageNet weights ({ImageNetResNet.Onnx.Describe()}), {(options.FreezeBackbone ? "backbone frozen" : "all layers fine-tuned")}";
            return options;
        }
        note = $"NOTE: the ImageNet weights are not available, so the teacher trains from scratch ({why})";
        return options with { Pretrained = ChestXrayTeacherStart.Scratch, FreezeBackbone = false, Teacher = options.Teacher with { Epochs = 6, LearningRate = 1e-3 } };
    }
}
