using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>The opt-in fast CPU path (<see cref="FastCpu"/>): off unless asked for, and the same function when on.</summary>
[Collection(TorchRngCollection.Name)]
public class FastCpuTests
{
    [Fact]
    public void TheFastCpuPathIsOptInAndComputesTheSameFunction()
    {
        Assert.False(FastCpu.Enabled && Environment.GetEnvironmentVariable("KDLABS_FAST_CPU") is null);
        using var x = MnistDataset.Load(train: false, TestData.MnistDirectory, 32);
        using var plain = ModelCatalog.Create("cnn-teacher", 3);
        bool before = FastCpu.Enabled;
        FastCpu.Enabled = true;
        nn.Module<Tensor, Tensor> fast;
        try
        {
            fast = ModelCatalog.Create("cnn-teacher", 3);
        }
        finally
        {
            FastCpu.Enabled = before;
        }
        using (fast)
        {
            var conv2 = fast.named_parameters().Single(p => p.name == "conv2.weight").parameter;
            Assert.Equal(1L, conv2.stride()[1]); // channels-last: C is the fastest-moving dimension
            Assert.NotEqual(1L, plain.named_parameters().Single(p => p.name == "conv2.weight").parameter.stride()[1]);
            plain.eval();
            fast.eval();
            using var noGrad = no_grad();
            using var a = plain.forward(x.Features);
            using var b = fast.forward(x.Features);
            Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5), "the channels-last path must compute the same logits up to summation order");
        }
    }

    [Fact]
    public void TheCheapDropoutMaskKeepsAboutOneMinusPAndRescales()
    {
        manual_seed(5);
        using var x = ones(100_000);
        using var y = FastCpu.Dropout(x, 0.25, training: true);
        using var kept = y.ne(0).to_type(ScalarType.Float32).mean();
        Assert.InRange(kept.item<float>(), 0.74f, 0.76f);
        using var kept1 = y.masked_select(y.ne(0));
        Assert.Equal(1 / 0.75, kept1.mean().item<float>(), 4);
        using var z = FastCpu.Dropout(x, 0.25, training: false);
        using var same = z.eq(x).all();
        Assert.True(same.item<bool>());
    }
}
