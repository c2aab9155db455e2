using System.Buffers.Binary;
using Google.Protobuf;
using KdLabs.Infrastructure;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Models;

/// <summary>What <see cref="OnnxResNet.Read"/> found: the basic blocks per stage and the weights under <see cref="ResNet18"/>'s names.</summary>
public sealed record OnnxResNetWeights(IReadOnlyList<int> StageBlocks, Dictionary<string, Tensor> StateDict) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in StateDict.Values)
        {
            t.Dispose();
        }
    }
}

/// <summary>
/// Reads the weights of an ONNX ResNet feature extractor with basic blocks (e.g. the CNTK export ML.NET ships as
/// ResNet18.onnx, whose parameters are named Parameter91, Constant98, …) into <see cref="ResNet18"/>'s torchvision names,
/// by walking the graph, never by name: from the input, Conv → BatchNormalization → Relu → MaxPool is the stem; then each
/// block's input feeds one or two Convs, the branch with two Conv → BatchNormalization pairs is the main path (conv1/bn1,
/// conv2/bn2) and a branch with one is the downsample shortcut, and both meet at an Add followed by a Relu; a stage ends
/// where the main path's first conv has stride 2. The walk checks every node it passes (kernel, stride, padding, ε), so a
/// graph of another shape is an error naming the node, not a silently wrong model. Parsing is OnnxSharp's (the ONNX
/// protobuf schema compiled by Google.Protobuf).
/// </summary>
/// <remarks>
/// CNTK pads strided convolutions and the max-pool asymmetrically (begin p, end p − 1, e.g. conv1 pads 3/3/2/2). On an
/// even-sized input that extra end row is never reached by a window, so torchvision's symmetric padding gives the same
/// output whenever every strided layer sees an even size: images whose side is a multiple of 32
/// (<see cref="ExactImageSize"/>).
/// </remarks>
public static class OnnxResNet
{
    /// <summary>True when a <paramref name="size"/>-pixel square input makes symmetric and CNTK's asymmetric padding agree (every strided layer sees an even side).</summary>
    public static bool ExactImageSize(int size) => size > 0 && size % 32 == 0;

    /// <summary>Reads <paramref name="path"/> (see the class summary). The caller disposes the result.</summary>
    public static OnnxResNetWeights Read(string path)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or IOException)
        {
            throw new DataFormatException(path, "file", $"not a readable ONNX model ({e.GetType().Name}: {e.Message})", "Fetch the file again; it may be truncated.", e);
        }
        return new GraphWalk(path, model.Graph).Run();
    }

    /// <summary>
    /// Rewrites conv1 so that a network trained on ML.NET's preprocessing (BGR channels, 0–255 pixels minus a mean image)
    /// takes the kit's input instead (RGB, [0, 1] pixels p normalised as (p − mean_c) / <paramref name="std"/>_c): the channel
    /// order is reversed and each input channel's weights are scaled by 255·std_c, so the network sees 255·(p − mean_c) in BGR
    /// order. Exact, since a scaled, permuted convolution of zero padding is still zero. What is not carried over is the
    /// mean image's spatial variation: the kit subtracts one mean per channel (ImageNet's, within 0.6 grey levels of the
    /// mean image's channel averages).
    /// </summary>
    public static void AdaptConv1ToNormalization(Dictionary<string, Tensor> stateDict, float[] std)
    {
        var w = stateDict["conv1.weight"];
        using var scope = NewDisposeScope();
        var scale = torch.tensor(std.Select(s => 255f * s).ToArray(), device: w.device).view(1, 3, 1, 1);
        var adapted = w.flip(1).mul(scale).MoveToOuterDisposeScope();
        w.Dispose();
        stateDict["conv1.weight"] = adapted;
    }

    private sealed class GraphWalk(string path, GraphProto graph)
    {
        private readonly Dictionary<string, TensorProto> initializers = graph.Initializer.ToDictionary(t => t.Name);
        private readonly Dictionary<string, List<NodeProto>> consumers = graph.Node
            .SelectMany(n => n.Input.Select(i => (i, n))).GroupBy(p => p.i).ToDictionary(g => g.Key, g => g.Select(p => p.n).ToList());
        private readonly Dictionary<string, Tensor> state = new(StringComparer.Ordinal);
        private readonly HashSet<string> used = [];

        public OnnxResNetWeights Run()
        {
            try
            {
                var inputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
                if (inputs.Count != 1)
                {
                    Fail("graph.input", $"{inputs.Count} data inputs", "A ResNet feature extractor takes one image tensor.");
                }
                // Stem: conv 7×7/2, BN, ReLU, max-pool 3×3/2.
                var conv = Single(inputs[0].Name, "Conv");
                CheckConv(conv, 7, 2);
                var bn = Single(conv.Output[0], "BatchNormalization");
                Take(conv, bn, "conv1", "bn1");
                var pool = Single(Single(bn.Output[0], "Relu").Output[0], "MaxPool");
                CheckWindow(pool, 3, 2);
                string x = pool.Output[0];

                var stages = new List<int>();
                long channels = 64;
                while (true)
                {
                    var next = consumers.GetValueOrDefault(x, []);
                    if (next.Count == 1 && next[0].OpType is "AveragePool" or "GlobalAveragePool")
                    {
                        if (!graph.Output.Any(o => o.Name == next[0].Output[0]))
                        {
                            Fail(next[0].Name, "the average pool is not the graph's output", "Export the pooled 512-d features as the output.");
                        }
                        break;
                    }
                    var (output, stride, outChannels) = Block(x, channels);
                    if (stages.Count > 0 && stride == 1)
                    {
                        stages[^1]++;
                    }
                    else if (stages.Count == 4)
                    {
                        Fail(x, "a fifth stage", "A ResNet of this family has 4 stages.");
                    }
                    else
                    {
                        stages.Add(1);
                    }
                    // Only now is the block's place known: layer{stage}.{index}.
                    NameBlock(stages.Count, stages[^1] - 1);
                    channels = outChannels;
                    x = output;
                }
                if (stages.Count != 4 || channels != ResNet18.FeatureCount)
                {
                    Fail(x, $"{stages.Count} stages ending at {channels} channels", "Expected 4 stages ending at 512 channels (ResNet-18/34 family).");
                }
                var unused = initializers.Keys.Where(k => !used.Contains(k)).ToList();
                if (unused.Count > 0)
                {
                    Fail(unused[0], $"{unused.Count} initializer(s) not reached by the walk", "The graph holds layers the kit's ResNet does not have.");
                }
                return new OnnxResNetWeights(stages, state);
            }
            catch
            {
                foreach (var t in state.Values)
                {
                    t.Dispose();
                }
                throw;
            }
        }

        private const string Pending = "pending.";

        // One basic block from tensor x; returns its output (after the ReLU), the main path's stride and its width.
        private (string Output, long Stride, long Channels) Block(string x, long inChannels)
        {
            var convs = consumers.GetValueOrDefault(x, []).Where(n => n.OpType == "Conv").ToList();
            NodeProto? add = null;
            NodeProto? mainConv1 = null, mainBn1 = null, mainConv2 = null, mainBn2 = null, dsConv = null, dsBn = null;
            foreach (var c in convs)
            {
                var b = Single(c.Output[0], "BatchNormalization");
                var after = Single(b.Output[0], null);
                if (after.OpType == "Add")
                {
                    (dsConv, dsBn) = (c, b);
                    add = Same(add, after);
                }
                else if (after.OpType == "Relu")
                {
                    mainConv1 = c;
                    mainBn1 = b;
                    mainConv2 = Single(after.Output[0], "Conv");
                    mainBn2 = Single(mainConv2.Output[0], "BatchNormalization");
                    add = Same(add, Single(mainBn2.Output[0], "Add"));
                }
                else
                {
                    Fail(after.Name, $"{after.OpType} after a convolution's batch norm", "Expected Relu (main path) or Add (shortcut).");
                }
            }
            if (mainConv1 is null || add is null)
            {
                Fail(x, "no Conv → BN → Relu → Conv → BN path", "Expected a basic block (two 3×3 convolutions) here.");
            }
            var shortcut = add!.Input.Single(i => i != mainBn2!.Output[0]);
            if (dsConv is null ? shortcut != x : shortcut != dsBn!.Output[0])
            {
                Fail(add.Name, $"adds {shortcut}, not the block's input or its downsample", "Expected a residual connection.");
            }
            long stride = CheckConv(mainConv1!, 3, null);
            CheckConv(mainConv2!, 3, 1);
            long outChannels = Dims(mainConv1!.Input[1])[0];
            if ((stride != 1 || outChannels != inChannels) != (dsConv is not null))
            {
                Fail(mainConv1.Name, $"stride {stride}, {inChannels} → {outChannels} channels {(dsConv is null ? "without" : "with")} a downsample", "torchvision's rule: a 1×1 downsample exactly when the shape changes.");
            }
            Take(mainConv1, mainBn1!, Pending + "conv1", Pending + "bn1");
            Take(mainConv2!, mainBn2!, Pending + "conv2", Pending + "bn2");
            if (dsConv is not null)
            {
                if (CheckConv(dsConv, 1, stride) != stride)
                {
                    Fail(dsConv.Name, "a downsample stride unlike the main path's", "Expected equal strides.");
                }
                Take(dsConv, dsBn!, Pending + "downsample.0", Pending + "downsample.1");
            }
            return (Single(add.Output[0], "Relu").Output[0], stride, outChannels);
        }

        private void NameBlock(int layer, int block)
        {
            foreach (var key in state.Keys.Where(k => k.StartsWith(Pending, StringComparison.Ordinal)).ToList())
            {
                state[$"layer{layer}.{block}.{key[Pending.Length..]}"] = state[key];
                state.Remove(key);
            }
        }

        private void Take(NodeProto conv, NodeProto bn, string convName, string bnName)
        {
            if (conv.Input.Count != 2)
            {
                Fail(conv.Name, "a convolution with a bias", "ResNet's convolutions have none (the batch norm's β takes its place).");
            }
            state[$"{convName}.weight"] = Weights(conv.Input[1]);
            var eps = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon");
            if (eps is not null && Math.Abs(eps.F - 1e-5) > 1e-9)
            {
                Fail(bn.Name, $"ε = {eps.F}", "The kit's batch norms use ε = 1e-5.");
            }
            string[] names = ["weight", "bias", "running_mean", "running_var"];
            for (int i = 0; i < 4; i++)
            {
                state[$"{bnName}.{names[i]}"] = Weights(bn.Input[i + 1]);
            }
        }

        // Kernel k×k, group 1, no dilation, stride s (null: 1 or 2, returned), padding k/2 at the start and k/2 or
        // k/2 − 1 at the end (see the class remarks).
        private long CheckConv(NodeProto conv, long k, long? stride)
        {
            var dims = Dims(conv.Input[1]);
            if (dims.Length != 4 || dims[2] != k || dims[3] != k)
            {
                Fail(conv.Name, $"kernel [{string.Join("×", dims)}]", $"Expected a {k}×{k} convolution here.");
            }
            if (Ints(conv, "group") is [var g] && g != 1 || Ints(conv, "dilations") is { Length: > 0 } d && d.Any(v => v != 1))
            {
                Fail(conv.Name, "a grouped or dilated convolution", "ResNet's convolutions are neither.");
            }
            return CheckWindow(conv, k, stride);
        }

        private long CheckWindow(NodeProto node, long k, long? stride)
        {
            var strides = Ints(node, "strides");
            long s = strides is [var a, var b] && a == b ? a : -1;
            if (s is not (1 or 2) || stride is { } expected && s != expected)
            {
                Fail(node.Name, $"strides [{string.Join(", ", strides)}]", $"Expected {(stride is { } e ? e.ToString() : "1 or 2")} in both directions.");
            }
            var pads = Ints(node, "pads");
            long p = k / 2;
            bool ok = pads is [var t, var l, var bo, var r] && t == p && l == p && bo == r && (bo == p || s == 2 && bo == p - 1);
            string autoPad = node.Attribute.FirstOrDefault(x => x.Name == "auto_pad")?.S.ToStringUtf8() ?? "";
            if (!ok || autoPad is not ("" or "NOTSET"))
            {
                Fail(node.Name, $"pads [{string.Join(", ", pads)}]", $"Expected {p} at the start and {p} (or {p - 1} when strided) at the end.");
            }
            return s;
        }

        private static long[] Ints(NodeProto node, string name) =>
            node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? (a.Ints.Count > 0 ? a.Ints.ToArray() : a.Type == AttributeProto.Types.AttributeType.Int ? [a.I] : []) : [];

        private long[] Dims(string name) =>
            initializers.TryGetValue(name, out var t) ? t.Dims.ToArray() : throw Error(name, "not an initializer", "Expected a stored weight tensor.");

        private Tensor Weights(string name)
        {
            if (!initializers.TryGetValue(name, out var t))
            {
                Fail(name, "not an initializer", "Expected a stored weight tensor.");
            }
            if (!used.Add(name))
            {
                Fail(name, "used by two layers", "Each layer has its own weights.");
            }
            if (t!.DataType != (int)TensorProto.Types.DataType.Float)
            {
                Fail(name, $"data type {t.DataType}", "Expected float32 weights.");
            }
            long count = t.Dims.Aggregate(1L, (a, b) => a * b);
            float[] values;
            if (t.FloatData.Count > 0)
            {
                values = t.FloatData.ToArray();
            }
            else
            {
                var raw = t.RawData.Span;
                values = new float[raw.Length / 4];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i, 4));
                }
            }
            if (values.Length != count)
            {
                Fail(name, $"{values.Length} values for shape [{string.Join(", ", t.Dims)}]", "The file is damaged; fetch it again.");
            }
            return torch.tensor(values, t.Dims.ToArray());
        }

        // The one consumer of a tensor, of the given type (null: any).
        private NodeProto Single(string tensor, string? op)
        {
            var list = consumers.GetValueOrDefault(tensor, []);
            if (list.Count != 1 || op is not null && list[0].OpType != op)
            {
                Fail(tensor, $"feeds [{string.Join(", ", list.Select(n => n.OpType))}]", $"Expected exactly one {op ?? "node"} here (a ResNet with basic blocks).");
            }
            return list[0];
        }

        private NodeProto Same(NodeProto? seen, NodeProto node)
        {
            if (seen is not null && !ReferenceEquals(seen, node))
            {
                Fail(node.Name, "the block's branches end in two different Add nodes", "Expected both branches to meet at one Add.");
            }
            return node;
        }

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        private void Fail(string field, string problem, string fix) => throw Error(field, problem, fix);

        private DataFormatException Error(string field, string problem, string fix) =>
            new(path, field, problem, fix + " The kit reads ResNet feature extractors with basic blocks (e.g. ML.NET's ResNet18.onnx).");
    }
}
