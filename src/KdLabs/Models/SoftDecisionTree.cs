using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// The soft binary decision tree of Frosst &amp; Hinton (2017), "Distilling a Neural Network Into a Soft
/// Decision Tree". A full tree of depth d has 2^d − 1 inner nodes and 2^d leaves. Inner node i, with
/// filter w_i and bias b_i, sends x to its right child with probability
/// <code>p_i(x) = σ(β (x·w_i + b_i))</code>
/// and leaf ℓ holds a class distribution Q_ℓ = softmax(φ_ℓ). P_ℓ(x) is the product of the branch
/// probabilities along the path to ℓ.
/// <para>
/// β is one inverse temperature shared by all inner nodes (paper §4: "we introduced an inverse
/// temperature β to the filter activations prior to calculating the sigmoid"). The paper gives neither
/// its value nor whether it is trained; here it can be learned (<c>learnBeta</c>), stored as log β so
/// it stays positive, starting at <c>betaInit</c>.
/// </para>
/// <para>
/// <see cref="forward"/> returns log Σ_ℓ P_ℓ(x) Q_ℓ (N × classes), a log-probability and so a valid
/// logit vector: its arg-max is the mixture prediction and <c>Evaluation.Predictor</c> works unchanged.
/// With <see cref="Prediction"/> = <see cref="SoftTreePrediction.MaxLeaf"/> it returns log Q of the
/// most probable leaf instead (evaluation only: that choice has no gradient).
/// All inner nodes are evaluated by one matmul; path probabilities are built level by level.
/// </para>
/// </summary>
public sealed class SoftDecisionTree : Module<Tensor, Tensor>
{
    /// <summary>Builds a tree over flattened inputs of <paramref name="inputFeatures"/> values.</summary>
    /// <param name="depth">Tree depth d ≥ 1 (the paper's MNIST tree has d = 8).</param>
    /// <param name="inputFeatures">Length of the flattened input (784 for MNIST).</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="betaInit">Initial inverse temperature β.</param>
    /// <param name="leafInitStd">Standard deviation of the initial φ. Must be &gt; 0: with equal leaves no gradient reaches the filters.</param>
    /// <param name="learnBeta">Train β (true) or keep it at <paramref name="betaInit"/>.</param>
    /// <param name="name">Module name.</param>
    public SoftDecisionTree(int depth, int inputFeatures = 784, int classes = 10, double betaInit = 1.0, double leafInitStd = 1.0,
        bool learnBeta = true, string name = "soft-decision-tree") : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (!(betaInit > 0) || !double.IsFinite(betaInit))
        {
            throw new ArgumentOutOfRangeException(nameof(betaInit), betaInit, "The inverse temperature β must be a finite number greater than 0.");
        }
        if (!(leafInitStd > 0) || !double.IsFinite(leafInitStd))
        {
            throw new ArgumentOutOfRangeException(nameof(leafInitStd), leafInitStd, "The leaf initialisation spread must be greater than 0.");
        }
        Depth = depth;
        InputFeatures = inputFeatures;
        Classes = classes;
        // Same scale as nn.Linear's default initialisation of one 784 → (2^d − 1) layer.
        double bound = 1.0 / Math.Sqrt(inputFeatures);
        Filters = Parameter(empty(InnerCount, inputFeatures).uniform_(-bound, bound));
        Biases = Parameter(empty(InnerCount).uniform_(-bound, bound));
        LeafLogits = Parameter(randn(LeafCount, classes) * leafInitStd);
        LogBeta = Parameter(tensor((float)Math.Log(betaInit)), requires_grad: learnBeta);
        RegisterComponents();
    }

    /// <summary>Depth d: the number of decisions on every root-to-leaf path.</summary>
    public int Depth { get; }

    /// <summary>Length of the flattened input.</summary>
    public int InputFeatures { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>2^d − 1 inner nodes, in heap order: root 0, children of i at 2i+1 (left) and 2i+2 (right).</summary>
    public int InnerCount => (1 << Depth) - 1;

    /// <summary>2^d leaves, left to right.</summary>
    public int LeafCount => 1 << Depth;

    /// <summary>w_i, inner × features.</summary>
    public Parameter Filters { get; }

    /// <summary>b_i, one per inner node.</summary>
    public Parameter Biases { get; }

    /// <summary>φ_ℓ, leaves × classes; Q_ℓ = softmax(φ_ℓ).</summary>
    public Parameter LeafLogits { get; }

    /// <summary>log β, a scalar.</summary>
    public Parameter LogBeta { get; }

    /// <summary>What <see cref="forward"/> returns; <see cref="SoftTreePrediction.Mixture"/> by default.</summary>
    public SoftTreePrediction Prediction { get; set; } = SoftTreePrediction.Mixture;

    /// <summary>The current inverse temperature β.</summary>
    public double Beta
    {
        get
        {
            using var beta = LogBeta.detach().exp();
            return beta.item<float>();
        }
    }

    /// <summary>Depth of inner node <paramref name="node"/> (heap index): the root is at depth 0.</summary>
    public static int NodeDepth(int node) => System.Numerics.BitOperations.Log2((uint)(node + 1));

    /// <summary>Runs a batch through the tree. The tensors belong to the caller's dispose scope.</summary>
    public SoftTreeRouting Route(Tensor input)
    {
        var x = input.flatten(1);
        if (x.shape[1] != InputFeatures)
        {
            throw new ArgumentException($"{GetName()}: expected {InputFeatures} input values per sample, got {x.shape[1]} (input shape [{string.Join(", ", input.shape)}]).");
        }
        var activation = functional.linear(x, Filters, Biases) * LogBeta.exp();
        var logRight = functional.logsigmoid(activation);
        // log σ(−a) = log(1 − σ(a)) without the cancellation of 1 − σ(a) when σ(a) ≈ 1.
        var logLeft = functional.logsigmoid(-activation);

        long n = x.shape[0];
        var logPath = zeros(n, 1, dtype: x.dtype, device: x.device);
        var innerLogPaths = new List<Tensor>(Depth);
        for (int level = 0; level < Depth; level++)
        {
            int first = (1 << level) - 1;
            int count = 1 << level;
            innerLogPaths.Add(logPath);
            var left = logPath + logLeft.narrow(1, first, count);
            var right = logPath + logRight.narrow(1, first, count);
            // Interleave so node j of this level has children 2j and 2j+1 of the next: heap order.
            logPath = stack([left, right], 2).reshape(n, 2 * count);
        }
        return new SoftTreeRouting(
            logPath,
            cat(innerLogPaths, 1).exp(),
            functional.sigmoid(activation),
            functional.log_softmax(LeafLogits, 1));
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var routing = Route(input);
        var output = Prediction switch
        {
            SoftTreePrediction.Mixture => routing.MixtureLogProbabilities,
            SoftTreePrediction.MaxLeaf => routing.LeafLogDistributions.index_select(0, routing.MaxLeaf),
            _ => throw new InvalidOperationException($"Unknown prediction mode {Prediction}."),
        };
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>The class of the leaf with the largest path probability, per sample (int64): the paper's prediction.</summary>
    public Tensor PredictMaxLeaf(Tensor input)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var routing = Route(input);
        var leafClass = routing.LeafLogDistributions.argmax(1);
        return leafClass.index_select(0, routing.MaxLeaf).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The greedy path of one sample (first dimension 1): from the root, always to the more probable child.
    /// Returns the inner nodes visited and the leaf reached. This is the explanation the paper draws; it
    /// usually, but not always, ends at the leaf of largest path probability.
    /// </summary>
    public (IReadOnlyList<SoftTreeStep> Steps, int Leaf) GreedyPath(Tensor sample)
    {
        if (sample.shape[0] != 1)
        {
            throw new ArgumentException($"Expected one sample, got a batch of {sample.shape[0]}.", nameof(sample));
        }
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var routing = Route(sample);
        var reach = routing.InnerPathProbabilities.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var right = routing.RightProbabilities.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var steps = new List<SoftTreeStep>(Depth);
        int node = 0;
        while (node < InnerCount)
        {
            var step = new SoftTreeStep(node, NodeDepth(node), reach[node], right[node]);
            steps.Add(step);
            node = 2 * node + (step.GoesRight ? 2 : 1);
        }
        return (steps, node - InnerCount);
    }

    /// <summary>The arg-max class of the path-weighted mixture Σ_ℓ P_ℓ(x) Q_ℓ, per sample (int64).</summary>
    public Tensor PredictMixture(Tensor input)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return Route(input).MixtureLogProbabilities.argmax(1).MoveToOuterDisposeScope();
    }
}
