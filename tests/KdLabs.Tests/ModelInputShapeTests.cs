using KdLabs.Datasets;
using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>The input-shape parameter of the models: at its default every catalogue model keeps the weights it always had.</summary>
[Collection(TorchRngCollection.Name)]
public class ModelInputShapeTests
{
    private static (double First, double All) Sums(nn.Module<Tensor, Tensor> model)
    {
        using var _ = model;
        var first = model.parameters().First();
        return (first.to_type(ScalarType.Float64).sum().item<double>(), model.parameters().Sum(p => p.to_type(ScalarType.Float64).sum().item<double>()));
    }

    // Recorded at seed 7 with the models before they took an input shape (commit d2e976c).
    [Theory]
    [InlineData("cnn-teacher", -2.0240633203065954, 0.3288330422114498)]
    [InlineData("cnn-student", -0.46552811365108937, 5.774823600940984)]
    [InlineData("cnn-bn-teacher", -2.0240633203065954, 96.32883304221144)]
    [InlineData("mlp-teacher", 6.483593775721175, 11.575414996425003)]
    [InlineData("mlp-student", 11.179849264831319, 14.303121811332261)]
    public void DefaultAndExplicitMnistShapeGiveTheOldInitialWeights(string name, double first, double all)
    {
        Assert.Equal((first, all), Sums(ModelCatalog.Create(name, 7)));
        Assert.Equal((first, all), Sums(ModelCatalog.Create(name, 7, input: ImageShape.Mnist, classes: 10)));
    }

    [Fact]
    public void AnotherShapeBuildsAModelThatTakesIt()
    {
        var shape = new ImageShape(3, 32, 32);
        foreach (var name in ModelCatalog.Names)
        {
            using var model = ModelCatalog.Create(name, 1, input: shape, classes: 2);
            model.eval();
            using var x = zeros(4, 3, 32, 32);
            using var y = model.forward(x);
            Assert.Equal(new long[] { 4, 2 }, y.shape);
        }
    }
}
