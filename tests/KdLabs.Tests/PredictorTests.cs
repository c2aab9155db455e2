using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class PredictorTests
{
    /// <summary>
    /// Evaluation slices its batches as views, not as the trainer's index_select copies: the logits must be the very bits
    /// of the same model on the same batches copied out (cached teacher logits, and every reported accuracy, rest on them).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void LogitsAreTheBitsOfTheSameBatchesCopiedOut(int batchSize)
    {
        manual_seed(3);
        using var data = new InMemoryDataset("d", randn(50, 1, 28, 28), randint(0, 10, 50), MnistDataset.ClassNames);
        using var model = ModelCatalog.Create("cnn-teacher", 1);
        using var logits = Predictor.Logits(model, data, batchSize);
        model.eval();
        using (no_grad())
        {
            var parts = BatchLoader.Batches(data, batchSize, shuffle: false, seed: 0, epoch: 0).Select(b => model.forward(b.Inputs)).ToList();
            using var expected = cat(parts, 0);
            Assert.Equal(expected.shape, logits.shape);
            Assert.Equal(expected.data<float>().ToArray(), logits.data<float>().ToArray());
            parts.ForEach(p => p.Dispose());
        }
    }
}
