using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Losses;

/// <summary>
/// FitNets' regressor r (Romero et al. 2015, "FitNets: Hints for Thin Deep Nets"): maps the student's
/// guided layer to the teacher's hint layer's channel count so the two can be compared. A 1×1
/// convolution, which needs matching spatial sizes; the paper's convolutional regressor also used
/// larger kernels to shrink space, which this kit's same-resolution hints do not need. It is trained
/// with the student, so its parameters go into the student's optimizer.
/// </summary>
public sealed class HintRegressor : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    /// <summary>A 1×1 convolution from <paramref name="studentChannels"/> to <paramref name="teacherChannels"/>.</summary>
    public HintRegressor(long studentChannels, long teacherChannels, bool bias = true, string name = "HintRegressor") : base(name)
    {
        if (studentChannels < 1 || teacherChannels < 1)
        {
            throw new ArgumentOutOfRangeException(studentChannels < 1 ? nameof(studentChannels) : nameof(teacherChannels),
                "Channel counts must be at least 1.");
        }
        StudentChannels = studentChannels;
        TeacherChannels = teacherChannels;
        conv = Conv2d(studentChannels, teacherChannels, 1, bias: bias);
        RegisterComponents();
    }

    /// <summary>Channels of the student's guided layer.</summary>
    public long StudentChannels { get; }

    /// <summary>Channels of the teacher's hint layer.</summary>
    public long TeacherChannels { get; }

    /// <summary>The 1×1 convolution, exposed so tests and lessons can set or inspect its weights.</summary>
    public Conv2d Convolution => conv;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != StudentChannels)
        {
            throw new ArgumentException($"Expected batch × {StudentChannels} × H × W student features, got [{string.Join(", ", input.shape)}].", nameof(input));
        }
        return conv.forward(input);
    }
}
