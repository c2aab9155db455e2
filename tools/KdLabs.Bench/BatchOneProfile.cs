using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Bench;

/// <summary>One layer of the CNN's forward pass timed alone, per image, at batch 1 and at batch 64.</summary>
/// <param name="Layer">Layer name, in forward order.</param>
/// <param name="MicrosecondsAtOne">Microseconds per image at batch 1 (best of three blocks).</param>
/// <param name="MicrosecondsPerImageAt64">Microseconds per image at batch 64 (a batch's time ÷ 64, best of three blocks).</param>
/// <param name="WeightBytes">Bytes of the layer's parameters, which every forward call reads (0 for ReLU and the pool).</param>
public sealed record LayerTiming(string Layer, double MicrosecondsAtOne, double MicrosecondsPerImageAt64, long WeightBytes);

/// <summary>
/// Why evaluation at batch 1 costs more per image than at batch 64, measured: the MNIST CNN's forward pass as bare
/// libtorch calls on the model's own parameters (the shortest correct TorchSharp forward), whole and layer by layer.
/// At batch 1 fc1 reads its whole weight matrix (9,216 × 128 floats, 4.7 MB) for one image, a matrix-vector product
/// bounded by memory bandwidth, and small convolutions pay a fixed cost per call; at batch 64 both are shared by 64 images.
/// </summary>
public static class BatchOneProfile
{
    /// <summary>Images/s of the bare forward (eval, no gradients, consecutive views, a dispose scope per batch) over <paramref name="data"/>.</summary>
    public static double BareForward(nn.Module<Tensor, Tensor> cnn, InMemoryDataset data, int batchSize)
    {
        var p = Parameters(cnn);
        using var noGrad = no_grad();
        var clock = Stopwatch.StartNew();
        for (long start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            Forward(p, data.Features.narrow(0, start, Math.Min(batchSize, data.Count - start)));
        }
        return data.Count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Each layer of the forward pass timed alone on the first image (batch 1) and the first 64 images of <paramref name="data"/>.
    /// The max-pool is the kit's <see cref="ExactMaxPool"/>, as the model runs it.</summary>
    public static IReadOnlyList<LayerTiming> Layers(nn.Module<Tensor, Tensor> cnn, InMemoryDataset data)
    {
        if (data.Count < 64)
        {
            throw new ArgumentException($"{data.Name}: the batch-1 profile needs at least 64 images, not {data.Count}.", nameof(data));
        }
        var p = Parameters(cnn);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var one = LayerInputs(p, data.Features.narrow(0, 0, 1));
        var many = LayerInputs(p, data.Features.narrow(0, 0, 64));
        var ops = Ops(p);
        return ops.Select((op, i) => new LayerTiming(op.Name, Microseconds(() => op.Run(one[i]), 400),
            Microseconds(() => op.Run(many[i]), 20) / 64, op.Weights.Sum(w => w.NumberOfElements * w.ElementSize))).ToList();
    }

    private sealed record CnnParameters(Tensor Conv1W, Tensor Conv1B, Tensor Conv2W, Tensor Conv2B, Tensor Fc1W, Tensor Fc1B, Tensor Fc2W, Tensor Fc2B);

    private static CnnParameters Parameters(nn.Module<Tensor, Tensor> cnn)
    {
        var named = cnn.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        Tensor Get(string name) => named.TryGetValue(name, out var t) ? t
            : throw new ArgumentException($"{cnn.GetName()}: no parameter {name}; the batch-1 profile is for the MNIST CNN (conv1, conv2, fc1, fc2).", nameof(cnn));
        return new(Get("conv1.weight"), Get("conv1.bias"), Get("conv2.weight"), Get("conv2.bias"), Get("fc1.weight"), Get("fc1.bias"), Get("fc2.weight"), Get("fc2.bias"));
    }

    private static List<(string Name, Func<Tensor, Tensor> Run, Tensor[] Weights)> Ops(CnnParameters p) =>
    [
        ("conv1", x => nn.functional.conv2d(x, p.Conv1W, p.Conv1B), [p.Conv1W, p.Conv1B]),
        ("ReLU", x => nn.functional.relu(x), []),
        ("conv2", x => nn.functional.conv2d(x, p.Conv2W, p.Conv2B), [p.Conv2W, p.Conv2B]),
        ("ReLU", x => nn.functional.relu(x), []),
        ("max-pool", x => ExactMaxPool.MaxPool2d(x, 2).flatten(1), []),
        ("fc1", x => nn.functional.linear(x, p.Fc1W, p.Fc1B), [p.Fc1W, p.Fc1B]),
        ("ReLU + fc2", x => nn.functional.linear(nn.functional.relu(x), p.Fc2W, p.Fc2B), [p.Fc2W, p.Fc2B]),
    ];

    private static Tensor Forward(CnnParameters p, Tensor x)
    {
        x = nn.functional.relu(nn.functional.conv2d(x, p.Conv1W, p.Conv1B));
        x = nn.functional.relu(nn.functional.conv2d(x, p.Conv2W, p.Conv2B));
        x = nn.functional.max_pool2d(x, 2).flatten(1);
        x = nn.functional.relu(nn.functional.linear(x, p.Fc1W, p.Fc1B));
        return nn.functional.linear(x, p.Fc2W, p.Fc2B);
    }

    private static List<Tensor> LayerInputs(CnnParameters p, Tensor x)
    {
        var inputs = new List<Tensor>();
        foreach (var op in Ops(p))
        {
            inputs.Add(x);
            x = op.Run(x);
        }
        return inputs;
    }

    private static double Microseconds(Action call, int calls)
    {
        double best = double.MaxValue;
        for (int block = 0; block < 4; block++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++)
            {
                using var scope = NewDisposeScope();
                call();
            }
            if (block > 0)
            {
                best = Math.Min(best, clock.Elapsed.TotalMilliseconds * 1000 / calls); // block 0 warms the shape up
            }
        }
        return best;
    }
}
