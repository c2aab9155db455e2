using KdLabs.Data;
using static TorchSharp.torch;

namespace KdLabs.Evaluation;

/// <summary>Runs a model over a whole dataset in eval mode without gradients.</summary>
public static class Predictor
{
    /// <summary>The evaluation batch size used unless a caller asks for another.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>
    /// The model's logits for every sample, in dataset order (N × classes, float32). The model is put
    /// in eval mode for the pass (dropout off, batch-norm running statistics) and restored afterwards.
    /// The default batch of 64 dates from when the CNN teacher ran 8–10× slower per image in batches of 256 or 1,024
    /// on the 2-core CPU (fresh kernel pages per buffer, since fixed by <see cref="Infrastructure.NativeAllocator"/> on a process's
    /// first thread, and on other threads by the single malloc arena the kit's CLI, runner and kernel start with); it stays
    /// 64 so that documented results reproduce (<c>kdlabs bench</c> checks whether other batch sizes give the same bits).
    /// When <paramref name="progress"/> is given, a pass longer than ten seconds reports on it every ten seconds.
    /// </summary>
    public static Tensor Logits(nn.Module<Tensor, Tensor> model, InMemoryDataset data, int batchSize = DefaultBatchSize, Action<string>? progress = null) =>
        Pass(model, data, batchSize, progress, progress is null ? null : new ProgressThrottle());

    /// <summary><see cref="Logits"/> with the throttle given (tests drive its clock).</summary>
    internal static Tensor Pass(nn.Module<Tensor, Tensor> model, InMemoryDataset data, int batchSize, Action<string>? progress, ProgressThrottle? throttle)
    {
        var modelDevice = Infrastructure.ComputeDevice.Of(model);
        if (modelDevice.type != data.Device.type || modelDevice.index != data.Device.index)
        {
            throw new ArgumentException($"The model is on {modelDevice} but {data.Name} is on {data.Device}: move one to the other first (e.g. model.to(data.Device)).", nameof(model));
        }
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var parts = new List<Tensor>();
            using (var outer = NewDisposeScope())
            {
                // Views of consecutive rows, not the trainer's index_select copies: at small batches the per-batch index
                // tensor and the two gathers cost as much as the forward, and a view gives the same numbers.
                for (long start = 0; start < data.Count; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    parts.Add(model.forward(data.Features.narrow(0, start, Math.Min(batchSize, data.Count - start))).MoveToOuterDisposeScope());
                    long done = Math.Min(start + batchSize, data.Count);
                    if (progress is not null && throttle is not null && done < data.Count && throttle.Due())
                    {
                        var elapsed = throttle.Elapsed;
                        progress($"{ProgressThrottle.Count(done)}/{ProgressThrottle.Count(data.Count)} images  {ProgressThrottle.Count(done / elapsed.TotalSeconds)} img/s  ~{ProgressThrottle.Format(ProgressThrottle.Left(elapsed, done, data.Count))} left");
                    }
                }
                return cat(parts, 0).MoveToOuterDisposeScope();
            }
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Arg-max class of each row of <paramref name="logits"/>.</summary>
    public static long[] ArgMax(Tensor logits)
    {
        using var pred = logits.argmax(1).cpu();
        return pred.data<long>().ToArray();
    }
}
