using KdLabs.Evaluation;
using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Tests;

public class ResNet18Tests
{
    [Fact]
    public void ParameterCountAndNamesMatchTorchvision()
    {
        using var model = new ResNet18();
        Assert.Equal(11_689_512, ModelStats.ParameterCount(model));
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Equal(62, names.Count);
        Assert.Equal("conv1.weight", names[0]);
        foreach (var expected in new[] { "bn1.bias", "layer1.0.conv1.weight", "layer1.1.bn2.weight", "layer2.0.downsample.0.weight",
                     "layer2.0.downsample.1.bias", "layer3.1.conv2.weight", "layer4.1.bn2.weight", "layer4.1.bn2.bias", "fc.weight", "fc.bias" })
        {
            Assert.Contains(expected, names);
        }
        Assert.DoesNotContain("layer1.0.downsample.0.weight", names);
        var state = model.state_dict().Keys.ToList();
        Assert.Equal(122, state.Count); // torchvision's resnet18 state dict: 62 parameters, 60 BN buffers
        Assert.Contains("layer4.0.downsample.1.running_var", state);
        Assert.Contains("bn1.num_batches_tracked", state);
    }

    [Fact]
    public void TheHeadIsReplaceableAndTheBackboneCanBeFrozen()
    {
        using var model = new ResNet18();
        model.ReplaceHead(2);
        Assert.Equal(11_177_538, ModelStats.ParameterCount(model));
        Assert.Equal(2, model.Classes);
        using (var x = randn(2, 3, 64, 64))
        {
            model.eval();
            Assert.Equal([2L, 2], model.forward(x).shape);
        }
        model.FreezeBackbone();
        Assert.Equal(["fc.weight", "fc.bias"], model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name));
        model.train();
        Assert.True(model.training);
        Assert.False(model.named_modules().Single(m => m.name == "layer1.0.bn1").module.training, "frozen BN statistics stay in eval mode");
        Assert.True(model.named_modules().Single(m => m.name == "fc").module.training);
    }

    [Fact]
    public void TheStudentHasAbout100kParametersAt224()
    {
        using var student = new ChestXrayStudent(224);
        Assert.Equal(100_474, ModelStats.ParameterCount(student));
        Assert.Equal(100_474, ChestXrayStudent.ParameterCount(224));
        Assert.Equal(18_554, ChestXrayStudent.ParameterCount(96));
        Assert.Equal(["conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias"], student.named_parameters().Select(p => p.name));
        using var x = randn(3, 3, 224, 224);
        Assert.Equal([3L, 2], student.forward(x).shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChestXrayStudent(63));
    }
}
