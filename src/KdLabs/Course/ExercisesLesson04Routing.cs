using KdLabs.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Course;

public static partial class Exercises
{
    public static partial class Lesson04
    {
        internal const string RoutingTitle = "Lesson 04, implement it: the soft tree's routing probability";

        /// <summary>
        /// "Implement it": <paramref name="myRightProbability"/>(x, w, b, β) should return p_i(x) = σ(β(x·w_i + b_i)), the
        /// probability that inner node i sends each image right: x is batch × 784, w inner × 784, b one bias per inner node,
        /// the result batch × inner. Checked on random images against a <see cref="SoftDecisionTree"/> of depth 3 holding the
        /// same w, b and β (its <see cref="SoftTreeRouting.RightProbabilities"/>); a wrong answer is named ("β missing", "the
        /// left branch's probability", ...).
        /// </summary>
        public static ExerciseResult RoutingProbability(Func<Tensor, Tensor, Tensor, double, Tensor> myRightProbability)
        {
            ArgumentNullException.ThrowIfNull(myRightProbability);
            using var scope = NewDisposeScope();
            const double beta = 3;
            using var tree = new SoftDecisionTree(3, betaInit: beta);
            var x = ImplementationProbe.Uniform(401, [8, 784], 0, 1);
            Tensor w, b;
            using (no_grad())
            {
                // Filters of a trained tree's size: activations of a few units, so σ is neither flat nor saturated.
                tree.Filters.copy_(ImplementationProbe.Uniform(402, [tree.InnerCount, 784], -0.01, 0.01));
                tree.Biases.copy_(ImplementationProbe.Uniform(403, [tree.InnerCount], -0.5, 0.5));
                w = tree.Filters.detach().clone();
                b = tree.Biases.detach().clone();
            }
            Tensor right;
            using (no_grad())
            {
                right = tree.Route(x).RightProbabilities;
            }
            var (mine, problem) = ImplementationProbe.Run(() => myRightProbability(x.clone(), w.clone(), b.clone(), beta),
                "not answered yet: replace the throw with σ(β(x·wᵀ + b)) (functional.sigmoid, x.matmul(w.t())).");
            if (problem is not null)
            {
                return ExerciseResult.Wrong(RoutingTitle, problem);
            }
            if (!mine!.shape.SequenceEqual(right.shape))
            {
                return ExerciseResult.Wrong(RoutingTitle, mine.shape.SequenceEqual(right.shape.Reverse())
                    ? $"your result is {ImplementationProbe.Shape(mine)}, inner × batch; return batch × inner {ImplementationProbe.Shape(right)}: x·wᵀ, not w·xᵀ."
                    : $"for x {ImplementationProbe.Shape(x)} and w {ImplementationProbe.Shape(w)} your result is {ImplementationProbe.Shape(mine)}; it should be batch × inner nodes, {ImplementationProbe.Shape(right)}.");
            }
            if (ImplementationProbe.Agrees(mine, right))
            {
                return ExerciseResult.Right(RoutingTitle, $"agrees with the tree's routing to {ImplementationProbe.MaxDifference(mine, right):0.0e0} on 8 random images and 7 inner nodes. " +
                    "A leaf's path probability is the product of these along its path (1 − p_i where the path turns left); a larger β makes every decision harder, closer to an ordinary decision tree.");
            }
            var a = x.matmul(w.t()) + b;
            var candidates = new (string Why, Tensor Value)[]
            {
                ("β is missing: scale the activation by the inverse temperature before the sigmoid, σ(β(x·w + b)).", functional.sigmoid(a)),
                ("β multiplies x·w but not the bias: the paper scales the whole activation, σ(β(x·w + b)).", functional.sigmoid(x.matmul(w.t()) * beta + b)),
                ("that is the probability of going left, 1 − σ(·); the exercise asks for the right branch, σ(β(x·w + b)).", 1 - functional.sigmoid(a * beta)),
                ("the sigmoid is missing: β(x·w + b) is an activation, not a probability.", a * beta),
                ("a softmax over the inner nodes makes them compete; each node decides on its own, with a sigmoid.", functional.softmax(a * beta, 1)),
                ("the bias is subtracted; it is added: σ(β(x·w + b)).", functional.sigmoid((x.matmul(w.t()) - b) * beta)),
                ("β divides the activation; as an inverse temperature it multiplies it.", functional.sigmoid(a / beta)),
            };
            if (ImplementationProbe.FirstMatch(mine, candidates) is { } why)
            {
                return ExerciseResult.Wrong(RoutingTitle, why);
            }
            return ExerciseResult.Wrong(RoutingTitle, $"your probabilities differ from the tree's by up to {ImplementationProbe.MaxDifference(mine, right):g3}; compute a = x·wᵀ + b (batch × inner), then σ(β·a).");
        }
    }
}
