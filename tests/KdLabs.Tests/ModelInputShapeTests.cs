using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class ModelInputShapeTests
{
    private static string Sums(nn.Module<Tensor, Tensor> model)
    {
        var first = model.parameters().First();
        double firstSum = first.to_type(ScalarType.Float64).sum().item<double>();
        double all = model.parameters().Sum(p => p.to_type(ScalarType.Float64).sum().item<double>());
        return $"{firstSum:R}|{all:R}";
    }

    [Fact]
    public void Capture()
    {
        var lines = ModelCatalog.Names.Select(n => $"{n}: {Sums(ModelCatalog.Create(n, 7))}");
        Assert.Fail(string.Join("\n", lines));
    }
}
