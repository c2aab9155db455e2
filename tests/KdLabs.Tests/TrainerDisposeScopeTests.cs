using KdLabs.Data;
using KdLabs.Models;
using KdLabs.Training;
using TorchSharp;

namespace KdLabs.Tests;

/// <summary>Each training batch's tensors, the loader's included, are freed with that batch's dispose scope.</summary>
[Collection(TorchRngCollection.Name)]
public class TrainerDisposeScopeTests
{
    [Fact]
    public void TensorsLeftAliveByAnEpochDoNotGrowWithItsNumberOfBatches()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 200);

        // Tensors made on this thread and not disposed by the time Fit returns (the statistics are per thread,
        // and Fit trains on the calling thread). Augmented, so the augmentation's outputs are counted too.
        long LeftAlive(int batchSize)
        {
            using var model = ModelCatalog.Create("cnn-student", 1);
            var trainer = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = batchSize, Seed = 7, Augmentation = new RandomShift(2, 0f) },
                TrainingProgress.Silent);
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            trainer.Fit(model, data, null, new SupervisedObjective(), "r");
            return DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
        }

        long twoBatches = LeftAlive(100);
        long twentyBatches = LeftAlive(10);
        Assert.True(twoBatches == twentyBatches,
            $"{twoBatches} tensors left alive after 2 batches, {twentyBatches} after 20: batch tensors escape their dispose scope");
    }
}
