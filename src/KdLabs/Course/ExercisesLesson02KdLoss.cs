using KdLabs.Losses;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Course;

public static partial class Exercises
{
    public static partial class Lesson02
    {
        internal const string KdLossTitle = "Lesson 02, implement it: the KD loss";

        /// <summary>
        /// "Implement it": <paramref name="myKdLoss"/>(s, t, y, α, T) should be Hinton's α·CE(y, s) + (1 − α)·T²·KL(softmax(t/T) ‖ softmax(s/T)),
        /// KL summed over classes and averaged over the batch. Checked on random logits at (α, T) = (0.3, 4) and (0.7, 2) against
        /// <see cref="Losses.KdLoss"/>, value and gradient with respect to s; a wrong answer is matched against the usual mistakes
        /// ("missing T²", "KL direction reversed", "log-probabilities passed as targets", "mean over all elements instead of the batch", ...).
        /// </summary>
        public static ExerciseResult KdLoss(Func<Tensor, Tensor, Tensor, double, double, Tensor> myKdLoss)
        {
            ArgumentNullException.ThrowIfNull(myKdLoss);
            using var scope = NewDisposeScope();
            var t = ImplementationProbe.Logits(202);
            var y = ImplementationProbe.Labels(203);
            double worstValue = 0, worstGradient = 0;
            foreach (var (alpha, temperature) in new[] { (0.3, 4.0), (0.7, 2.0) })
            {
                var s = ImplementationProbe.Logits(201).requires_grad_();
                var (mine, problem) = ImplementationProbe.Run(() => myKdLoss(s, t.clone(), y.clone(), alpha, temperature),
                    "not answered yet: replace the throw with the loss (log_softmax, softmax, kl_div, T², batch mean).");
                if (problem is not null)
                {
                    return ExerciseResult.Wrong(KdLossTitle, problem);
                }
                if (mine!.numel() != 1)
                {
                    return ExerciseResult.Wrong(KdLossTitle, $"the loss has shape {ImplementationProbe.Shape(mine)}; reduce it to one number: sum the KL terms over the classes and divide by the batch size.");
                }
                var right = new Losses.KdLoss(alpha, temperature).Compute(s, t, y).Total;
                if (!ImplementationProbe.Agrees(mine.reshape([]), right))
                {
                    return ExerciseResult.Wrong(KdLossTitle, $"at α = {alpha}, T = {temperature} your loss is {mine.to_type(ScalarType.Float64).item<double>():0.####} where the kit's is {right.item<float>():0.####}: " + DiagnoseKd(mine.reshape([]), s.detach(), t, y, alpha, temperature));
                }
                if (!mine.requires_grad)
                {
                    return ExerciseResult.Wrong(KdLossTitle, "the value is right but it has no gradient with respect to the student's logits: nothing on their path may be detached.");
                }
                var mineGrad = autograd.grad([mine.reshape([])], [s])[0];
                var rightGrad = autograd.grad([right], [s])[0];
                if (!ImplementationProbe.Agrees(mineGrad, rightGrad, 1e-4))
                {
                    return ExerciseResult.Wrong(KdLossTitle, "the value is right but its gradient with respect to the student's logits is not: part of the student's path is detached (or the teacher's logits are used where the student's belong).");
                }
                worstValue = Math.Max(worstValue, ImplementationProbe.MaxDifference(mine.reshape([]), right));
                worstGradient = Math.Max(worstGradient, ImplementationProbe.MaxDifference(mineGrad, rightGrad));
            }
            return ExerciseResult.Right(KdLossTitle, $"agrees with the kit's KdLoss on 16 × 10 random logits at (α, T) = (0.3, 4) and (0.7, 2): value to {worstValue:0.0e0}, " +
                $"gradient to {worstGradient:0.0e0}. The T² keeps the soft term's gradient the same size whatever T (lesson 01); the batch mean keeps the loss independent of the batch size.");
        }

        private static string DiagnoseKd(Tensor mine, Tensor s, Tensor t, Tensor y, double a, double temperature)
        {
            double tt = temperature * temperature;
            var ce = functional.cross_entropy(s, y);
            var kl = KlDivergence.FromLogits(t, s, temperature);
            var logQ = SoftTargets.LogProbabilities(s, temperature);
            var logP = SoftTargets.LogProbabilities(t, temperature);
            int n = (int)s.shape[0], classes = (int)s.shape[1];
            if (mine.isnan().item<bool>())
            {
                return "it is NaN: log-probabilities passed as targets. kl_div(input, target) with log_target: false reads target as probabilities, " +
                    "and log-probabilities are negative; pass log_target: true with log_softmax(t/T), or softmax(t/T) with log_target: false.";
            }
            var candidates = new (string Why, Tensor Value)[]
            {
                ("missing T²: multiply the KL term by T · T, or its gradients shrink as 1/T² and the soft targets barely count at high T.", ce * a + kl * (1 - a)),
                ("the KL term is multiplied by T, not T².", ce * a + kl * temperature * (1 - a)),
                ("KL direction reversed: you computed KL(student ‖ teacher). Hinton's term is KL(teacher ‖ student): kl_div(input: student log-probabilities, target: teacher's).", ce * a + KlDivergence.BatchMean(logQ, logP) * tt * (1 - a)),
                ("log-probabilities passed as targets: with log_target: false, kl_div reads the teacher's log_softmax as probabilities.", ce * a + LogTargetMistake.AsWritten(t, s, temperature) * (1 - a)),
                ("probabilities passed where log_target: true expects log-probabilities: give the teacher's log_softmax(t/T) as target (or set log_target: false).",
                    ce * a + functional.kl_div(logQ, logP.exp(), reduction: Reduction.Sum, log_target: true) / n * tt * (1 - a)),
                ($"mean over all elements instead of the batch: the KL is a sum over the classes, averaged over the batch only; yours is {classes} times too small (reduction: mean divides by batch × classes).", ce * a + kl * tt / classes * (1 - a)),
                ("summed over the batch: divide the KL sum by the batch size, so the loss does not grow with the batch.", ce * a + kl * tt * n * (1 - a)),
                ("α weights the wrong term: here α weights the hard-label cross-entropy, 1 − α the soft term.", ce * (1 - a) + kl * tt * a),
                ("the student's logits are not divided by T: both distributions are softened, softmax(t/T) and softmax(s/T).", ce * a + KlDivergence.BatchMean(logP, functional.log_softmax(s, 1)) * tt * (1 - a)),
                ("the teacher's logits are not divided by T: both distributions are softened, softmax(t/T) and softmax(s/T).", ce * a + KlDivergence.BatchMean(functional.log_softmax(t, 1), logQ) * tt * (1 - a)),
                ("the cross-entropy uses the softened logits s/T; the hard-label term uses the student's plain logits.", functional.cross_entropy(s / temperature, y) * a + kl * tt * (1 - a)),
                ("the hard-label term is missing: add α · cross_entropy(s, y).", kl * tt * (1 - a)),
                ("the soft term is missing (or zero): add (1 − α) · T² · KL(softmax(t/T) ‖ softmax(s/T)).", ce * a),
            };
            if (ImplementationProbe.FirstMatch(mine, candidates) is { } why)
            {
                return why;
            }
            return "not one of the usual mistakes; compute the two terms separately and compare each with cross_entropy(s, y) and KlDivergence.FromLogits(t, s, T) · T².";
        }
    }
}
