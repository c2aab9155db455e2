using KdLabs.Data;
using KdLabs.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class ExactMaxPoolTests
{
    private static bool SameBits(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.contiguous().data<float>().ToArray().SequenceEqual(b.contiguous().data<float>().ToArray());

    [Theory]
    [InlineData(24, 24)]
    [InlineData(25, 23)]
    public void MatchesMaxPool2dBitForBitIncludingTies(long h, long w)
    {
        manual_seed(11);
        // Rounded, ReLU'd values: many windows tie (all zeros, or equal maxima), where a different pick would move the gradient.
        using var input = randn(8, 5, h, w).relu_().mul_(2).round_();
        using var gradOut = randn(8, 5, h / 2, w / 2);
        using var a = input.clone().requires_grad_(true);
        using var b = input.clone().requires_grad_(true);
        using var expected = functional.max_pool2d(a, 2);
        using var actual = ExactMaxPool.MaxPool2d(b, 2);
        expected.backward([gradOut]);
        actual.backward([gradOut]);
        Assert.True(SameBits(expected, actual));
        Assert.True(SameBits(a.grad!, b.grad!));
        using (no_grad())
        {
            using var inference = ExactMaxPool.MaxPool2d(input, 2);
            Assert.True(SameBits(expected.detach(), inference));
        }
    }

    [Fact]
    public void TeacherTrainsToTheSameBitsAsWithMaxPool2d()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 320);
        using var kit = (MnistCnn)ModelCatalog.Create("cnn-teacher", 5);
        using var reference = (MnistCnn)ModelCatalog.Create("cnn-teacher", 5);
        var initial = kit.parameters().Select(p => p.detach().clone()).ToList();
        var children = reference.named_children().ToDictionary(c => c.name, c => c.module);
        Tensor ReferenceForward(Tensor x)
        {
            // MnistCnn's forward as it was before ExactMaxPool: libtorch's max_pool2d.
            var a1 = functional.relu(((Module<Tensor, Tensor>)children["conv1"]).forward(x));
            var a2 = functional.relu(((Module<Tensor, Tensor>)children["conv2"]).forward(a1));
            var y = ((Module<Tensor, Tensor>)children["dropout1"]).forward(functional.max_pool2d(a2, 2)).flatten(1);
            y = ((Module<Tensor, Tensor>)children["dropout2"]).forward(functional.relu(((Module<Tensor, Tensor>)children["fc1"]).forward(y)));
            return ((Module<Tensor, Tensor>)children["fc2"]).forward(y);
        }
        Train(kit, kit.forward, data);
        Train(reference, ReferenceForward, data);

        var trained = kit.parameters().ToList();
        var expected = reference.parameters().ToList();
        Assert.Equal(expected.Count, trained.Count);
        Assert.Contains(trained.Zip(initial), t => !SameBits(t.First, t.Second));
        Assert.All(trained.Zip(expected), t => Assert.True(SameBits(t.First, t.Second)));
    }

    // 50 Adam steps (batch 64, 5 epochs of 320 images) with dropout on, from one seed of torch's generator.
    private static void Train(Module model, Func<Tensor, Tensor> forward, InMemoryDataset data)
    {
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        model.train();
        manual_seed(42);
        for (int epoch = 1; epoch <= 5; epoch++)
        {
            foreach (var batch in BatchLoader.Batches(data, 64, shuffle: true, seed: 9, epoch))
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                functional.cross_entropy(forward(batch.Inputs), batch.Labels).backward();
                optimizer.step();
            }
        }
    }
}
