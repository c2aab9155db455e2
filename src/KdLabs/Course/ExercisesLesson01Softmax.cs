using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Course;

public static partial class Exercises
{
    public static partial class Lesson01
    {
        internal const string SoftmaxTitle = "Lesson 01, implement it: softmax at temperature T";

        /// <summary>
        /// "Implement it": <paramref name="mySoftmax"/>(z, T) should return softmax(z / T) over the classes (dim 1) of batch × classes
        /// logits. Checked on random logits at T = 0.5 and 4 against <see cref="Losses.SoftTargets.Probabilities"/>, then on large logits
        /// (where exp overflows unless the row's maximum is subtracted first); a wrong answer is named ("T missing", "normalised over
        /// the batch", ...). A function that still throws <see cref="NotImplementedException"/> is "not answered yet".
        /// </summary>
        public static ExerciseResult SoftmaxAtT(Func<Tensor, double, Tensor> mySoftmax)
        {
            ArgumentNullException.ThrowIfNull(mySoftmax);
            using var scope = NewDisposeScope();
            var z = ImplementationProbe.Logits(101, 6, 10);
            double worst = 0;
            foreach (double t in new[] { 0.5, 4.0 })
            {
                var (mine, problem) = ImplementationProbe.Run(() => mySoftmax(z.clone(), t), "not answered yet: replace the throw with your softmax of z / T over dimension 1.");
                if (problem is not null)
                {
                    return ExerciseResult.Wrong(SoftmaxTitle, problem);
                }
                var right = Losses.SoftTargets.Probabilities(z, t);
                if (!mine!.shape.SequenceEqual(right.shape))
                {
                    return ExerciseResult.Wrong(SoftmaxTitle, $"for {ImplementationProbe.Shape(z)} logits your function returned {ImplementationProbe.Shape(mine)}; return one probability per logit, the same shape.");
                }
                if (!ImplementationProbe.Agrees(mine, right))
                {
                    return ExerciseResult.Wrong(SoftmaxTitle, $"at T = {t}: " + DiagnoseSoftmax(mine, z, t));
                }
                worst = Math.Max(worst, ImplementationProbe.MaxDifference(mine, right));
            }
            var large = z * 40;
            var (big, bigProblem) = ImplementationProbe.Run(() => mySoftmax(large.clone(), 0.5), "");
            if (bigProblem is not null || !ImplementationProbe.Agrees(big!, Losses.SoftTargets.Probabilities(large, 0.5)))
            {
                return ExerciseResult.Wrong(SoftmaxTitle, "right on ordinary logits, but on logits of a few hundred at T = 0.5 it gives " +
                    (bigProblem ?? "NaN or wrong values") + ": exp(z/T) overflows float32 above about 88. Subtract each row's maximum from z/T before exp " +
                    "(the result is unchanged), or call functional.softmax, which does that for you.");
            }
            return ExerciseResult.Right(SoftmaxTitle, $"agrees with the kit's SoftTargets.Probabilities to {worst:0.0e0} on 6 × 10 random logits at T = 0.5 and T = 4, " +
                "and survives logits in the hundreds. Dividing by T > 1 shrinks the gaps between logits, so the small probabilities, the dark knowledge, grow.");
        }

        private static string DiagnoseSoftmax(Tensor mine, Tensor z, double t)
        {
            if (ImplementationProbe.Agrees(mine, functional.softmax(z, 1)))
            {
                return "this is the plain softmax (T = 1): divide the logits by T before exponentiating.";
            }
            if (ImplementationProbe.Agrees(mine, functional.softmax(z * t, 1)))
            {
                return "this is softmax(z · T): a temperature divides the logits (flattening the distribution); multiplying sharpens it.";
            }
            if (ImplementationProbe.Agrees(mine, functional.log_softmax(z / t, 1)))
            {
                return "these are log-probabilities (log_softmax); return the probabilities themselves (each row sums to 1).";
            }
            if (ImplementationProbe.Agrees(mine, functional.softmax(z / t, 0)))
            {
                return "each column sums to 1: you normalised over the batch (dimension 0); normalise each row, over the classes (dimension 1).";
            }
            if (ImplementationProbe.Agrees(mine, (z / t).exp()))
            {
                return "exp(z/T) is not normalised: divide each row by its sum so the probabilities add up to 1.";
            }
            if (ImplementationProbe.Agrees(mine, (z / t).exp() / (z / t).exp().sum()))
            {
                return "you divided by the sum over the whole batch; divide each row by its own sum (sum over dimension 1, keepdim: true).";
            }
            double rowSum = mine.to_type(ScalarType.Float64).sum(1).sub(1).abs().max().item<double>();
            return rowSum > 1e-4
                ? $"your rows do not sum to 1 (off by up to {rowSum:g3}); a softmax is exp(zᵢ/T) / Σⱼ exp(zⱼ/T) per row."
                : $"your rows sum to 1 but differ from softmax(z / T) by up to {ImplementationProbe.MaxDifference(mine, Losses.SoftTargets.Probabilities(z, t)):g3}; check what you divide by T.";
        }
    }
}
