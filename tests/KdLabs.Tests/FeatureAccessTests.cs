using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>Models that return their feature maps: alive, on the graph, and without changing the models' weights or names.</summary>
public class FeatureAccessTests
{
    [Fact]
    public void ReturningFeaturesLeavesTheCnnsParameterNamesAndCountsAsTheyWere()
    {
        // Cached teachers and lesson checkpoints load by these names.
        using var teacher = MnistCnn.Teacher();
        using var student = MnistCnn.Student();
        string[] names = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];
        Assert.Equal(names, teacher.state_dict().Keys);
        Assert.Equal(1_199_882, teacher.parameters().Sum(p => p.numel()));
        Assert.Equal(300_426, student.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void FeaturesAreAliveAfterTheForwardAndBelongToTheCallersScope()
    {
        using var model = ModelCatalog.Create("cnn-student", 3);
        model.eval();
        using var input = randn(2, 1, 28, 28);
        FeatureOutput output;
        using (var scope = NewDisposeScope())
        {
            output = ((IFeatureModel)model).ForwardWithFeatures(input);
            Assert.Equal(new long[] { 2, 16, 26, 26 }, output["conv1"].shape);
            Assert.Equal(new long[] { 2, 32, 24, 24 }, output["conv2"].shape);
            // Alive: readable after the model's own scope has closed, and ReLU'd.
            Assert.True(output["conv2"].min().item<float>() >= 0);
            using var plain = model.forward(input);
            Assert.True(plain.allclose(output.Logits));
        }
        Assert.True(output["conv1"].IsInvalid);
        Assert.True(output.Logits.IsInvalid);
    }

    [Fact]
    public void FeaturesAreOnTheGraphSoALossOnThemTrainsTheLayersBelowOnly()
    {
        using var scope = NewDisposeScope();
        var model = ModelCatalog.Create("cnn-student", 4);
        var output = ((IFeatureModel)model).ForwardWithFeatures(randn(2, 1, 28, 28));
        Assert.True(output["conv1"].requires_grad);
        output["conv1"].pow(2).mean().backward();
        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        Assert.True(grads["conv1.weight"]!.abs().sum().item<float>() > 0);
        Assert.Null(grads["conv2.weight"]);
        Assert.Null(grads["fc2.weight"]);
        Assert.Throws<KeyNotFoundException>(() => output["fc1"]);
    }

    [Fact]
    public void AnAdaptedStudentIsTheStudentForInferenceAndTrainsItsAdaptersToo()
    {
        using var scope = NewDisposeScope();
        var student = ModelCatalog.Create("cnn-student", 5);
        var regressor = new HintRegressor(32, 64);
        var adapted = new AdaptedStudent(student, new Dictionary<string, nn.Module<Tensor, Tensor>> { ["hint"] = regressor });
        adapted.eval();
        var input = randn(3, 1, 28, 28);
        Assert.True(adapted.forward(input).equal(student.forward(input)).all().item<bool>());
        Assert.Equal(32 * 64 + 64, adapted.AdapterParameterCount);
        Assert.Equal(300_426 + 32 * 64 + 64, adapted.parameters().Sum(p => p.numel()));
        Assert.Contains("adapters.hint.conv.weight", adapted.state_dict().Keys);
        Assert.Same(regressor, adapted.Adapter("hint"));
        Assert.Throws<KeyNotFoundException>(() => adapted.Adapter("fsp"));
        Assert.Throws<ArgumentException>(() => new AdaptedStudent(Mlp.Student(0), new Dictionary<string, nn.Module<Tensor, Tensor>>()));
    }

    [Fact]
    public void TheFeatureTeacherIsFrozenInEvalModeAndRefusesTrainMode()
    {
        using var scope = NewDisposeScope();
        var model = ModelCatalog.Create("cnn-teacher", 6);
        var teacher = new FeatureTeacher(model, "abc");
        Assert.False(model.training);
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        var input = randn(2, 1, 28, 28);
        var a = teacher.Run(input);
        var b = teacher.Run(input);
        Assert.False(a["conv2"].requires_grad);
        Assert.True(a.Logits.equal(b.Logits).all().item<bool>());
        model.train();
        var error = Assert.Throws<InvalidOperationException>(() => teacher.Run(input));
        Assert.Contains("eval mode", error.Message);
    }
}
