using System.Diagnostics;
using static TorchSharp.torch;

namespace KdLabs.Evaluation;

/// <summary>Inference latency on the model's device: median over repeated timed runs after warm-up, in eval mode without gradients.</summary>
public static class LatencyBenchmark
{
    /// <summary>
    /// Median milliseconds per image for batches of <paramref name="batchSize"/> inputs of shape
    /// <paramref name="inputShape"/> (without the batch dimension).
    /// </summary>
    public static double MedianMsPerImage(nn.Module<Tensor, Tensor> model, long[] inputShape, int batchSize, int repeats = 30, int warmup = 5)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var device = Infrastructure.ComputeDevice.Of(model);
            using var input = randn([batchSize, .. inputShape]).to(device);
            var times = new double[repeats];
            for (int i = -warmup; i < repeats; i++)
            {
                var sw = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    model.forward(input);
                    // CUDA kernels run asynchronously: wait for them before reading the clock.
                    Infrastructure.ComputeDevice.Synchronize(device);
                }
                sw.Stop();
                if (i >= 0)
                {
                    times[i] = sw.Elapsed.TotalMilliseconds / batchSize;
                }
            }
            Array.Sort(times);
            return repeats % 2 == 1 ? times[repeats / 2] : (times[repeats / 2 - 1] + times[repeats / 2]) / 2;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
