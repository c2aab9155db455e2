using KdLabs.Losses;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Course;

public static partial class Exercises
{
    public static partial class Lesson05
    {
        internal const string SymmetricKlTitle = "Lesson 05, implement it: SSLD's \"JS\" loss (symmetric KL)";

        /// <summary>
        /// "Implement it": <paramref name="mySymmetricKl"/>(t, s, T) should return what PaddleClas's SSLD code computes as its "JS" loss,
        /// ½KL(p ‖ q) + ½KL(q ‖ p) with p = softmax(t/T) the teacher's and q = softmax(s/T) the student's distribution, summed over
        /// classes and averaged over the batch. Checked on random logits at T = 1 and T = 2 against <see cref="SymmetricKlDivergence"/>,
        /// value and gradient; a wrong answer is named (one direction only, the textbook JS, missing ½, ...).
        /// </summary>
        public static ExerciseResult SymmetricKl(Func<Tensor, Tensor, double, Tensor> mySymmetricKl)
        {
            ArgumentNullException.ThrowIfNull(mySymmetricKl);
            using var scope = NewDisposeScope();
            var t = ImplementationProbe.Logits(502);
            double worst = 0;
            foreach (double temperature in new[] { 1.0, 2.0 })
            {
                var s = ImplementationProbe.Logits(501).requires_grad_();
                var (mine, problem) = ImplementationProbe.Run(() => mySymmetricKl(t.clone(), s, temperature),
                    "not answered yet: replace the throw with ½KL(p‖q) + ½KL(q‖p), averaged over the batch.");
                if (problem is not null)
                {
                    return ExerciseResult.Wrong(SymmetricKlTitle, problem);
                }
                if (mine!.numel() != 1)
                {
                    return ExerciseResult.Wrong(SymmetricKlTitle, $"the loss has shape {ImplementationProbe.Shape(mine)}; sum over the classes and average over the batch to get one number.");
                }
                var right = SymmetricKlDivergence.FromLogits(t, s, temperature);
                if (!ImplementationProbe.Agrees(mine.reshape([]), right))
                {
                    return ExerciseResult.Wrong(SymmetricKlTitle, $"at T = {temperature}: " + DiagnoseSymmetricKl(mine.reshape([]), t, s.detach(), temperature));
                }
                if (!mine.requires_grad || !ImplementationProbe.Agrees(autograd.grad([mine.reshape([])], [s])[0], autograd.grad([right], [s])[0], 1e-4))
                {
                    return ExerciseResult.Wrong(SymmetricKlTitle, "the value is right but the gradient with respect to the student's logits is not: nothing on the student's path may be detached.");
                }
                worst = Math.Max(worst, ImplementationProbe.MaxDifference(mine.reshape([]), right));
            }
            return ExerciseResult.Right(SymmetricKlTitle, $"agrees with the kit's SymmetricKlDivergence to {worst:0.0e0} at T = 1 and 2, gradient included. " +
                "SSLD's papers call this JS, but the textbook Jensen–Shannon divergence compares each distribution with their mixture m = ½(p + q) and is bounded by ln 2; this one is not.");
        }

        private static string DiagnoseSymmetricKl(Tensor mine, Tensor t, Tensor s, double temperature)
        {
            var logP = SoftTargets.LogProbabilities(t, temperature);
            var logQ = SoftTargets.LogProbabilities(s, temperature);
            var forward = KlDivergence.BatchMean(logP, logQ);
            var backward = KlDivergence.BatchMean(logQ, logP);
            int classes = (int)s.shape[1];
            var candidates = new (string Why, Tensor Value)[]
            {
                ("only KL(teacher ‖ student): SSLD's loss adds the other direction, KL(student ‖ teacher), and halves the sum.", forward),
                ("only KL(student ‖ teacher): add KL(teacher ‖ student) and halve the sum.", backward),
                ("the ½ is missing: the loss is the mean of the two directions, ½KL(p‖q) + ½KL(q‖p).", forward + backward),
                ("that is the textbook Jensen–Shannon divergence (against the mixture m = ½(p + q)); SSLD's code computes the symmetric KL, ½KL(p‖q) + ½KL(q‖p).", JsDivergence.BatchMean(logP, logQ)),
                ($"mean over all elements instead of the batch: sum over the classes and average over the batch only; yours is {classes} times too small.", (forward + backward) / (2.0 * classes)),
                ("SSLD's loss has no T² factor (that belongs to Hinton's KD loss): drop it.", (forward + backward) * 0.5 * (temperature * temperature)),
                ("the logits are not divided by T before the softmax.", SymmetricKlDivergence.FromLogits(t, s, 1)),
            };
            if (ImplementationProbe.FirstMatch(mine, candidates) is { } why)
            {
                return why;
            }
            return $"your loss is {mine.to_type(ScalarType.Float64).item<double>():0.####}, the kit's {SymmetricKlDivergence.FromLogits(t, s, temperature).item<float>():0.####}; compute KL(p‖q) and KL(q‖p) separately and compare them with KlDivergence.FromLogits.";
        }
    }
}
