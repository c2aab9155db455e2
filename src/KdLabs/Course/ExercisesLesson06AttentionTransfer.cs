using KdLabs.Losses;
using static TorchSharp.torch;

namespace KdLabs.Course;

public static partial class Exercises
{
    public static partial class Lesson06
    {
        internal const string AttentionTransferTitle = "Lesson 06, implement it: the attention map and the AT loss";

        /// <summary>
        /// "Implement it", in two parts. <paramref name="myAttentionMap"/>(A) should return q = Q / ‖Q‖₂ with Q = Σ_c A_c² for batch × C × H × W
        /// features, flattened to batch × (H·W) and normalised per image; <paramref name="myAtLoss"/>(student features, teacher features) the
        /// authors' code form of one layer's loss, β·mean((q_s − q_t)²) with β = 1000, gradients reaching the student only. Checked on random
        /// feature maps (16 student and 32 teacher channels) against <see cref="AttentionTransferLoss"/>; a wrong answer is named.
        /// </summary>
        public static ExerciseResult AttentionTransfer(Func<Tensor, Tensor> myAttentionMap, Func<Tensor, Tensor, Tensor> myAtLoss)
        {
            ArgumentNullException.ThrowIfNull(myAttentionMap);
            ArgumentNullException.ThrowIfNull(myAtLoss);
            using var scope = NewDisposeScope();
            var student = ImplementationProbe.Uniform(601, [4, 16, 7, 7], 0, 1).requires_grad_();
            var teacher = ImplementationProbe.Uniform(602, [4, 32, 7, 7], 0, 1).requires_grad_();
            var (map, problem) = ImplementationProbe.Run(() => myAttentionMap(teacher.detach().clone()),
                "not answered yet: replace the throw in your attention map with Σ_c A_c², flattened per image and divided by its L2 norm.");
            if (problem is not null)
            {
                return ExerciseResult.Wrong(AttentionTransferTitle, "attention map: " + problem);
            }
            var rightMap = AttentionTransferLoss.AttentionMap(teacher.detach());
            if (!ImplementationProbe.Agrees(map!, rightMap))
            {
                return ExerciseResult.Wrong(AttentionTransferTitle, "attention map: " + DiagnoseMap(map!, teacher.detach(), rightMap));
            }
            var (loss, lossProblem) = ImplementationProbe.Run(() => myAtLoss(student, teacher),
                "not answered yet: replace the throw in your AT loss with β · mean((q_s − q_t)²), β = 1000, using your attention map.");
            if (lossProblem is not null)
            {
                return ExerciseResult.Wrong(AttentionTransferTitle, "AT loss: " + lossProblem);
            }
            if (loss!.numel() != 1)
            {
                return ExerciseResult.Wrong(AttentionTransferTitle, $"AT loss: it has shape {ImplementationProbe.Shape(loss)}; average the squared differences to one number.");
            }
            var right = new AttentionTransferLoss(1000).Compute([student], [teacher]);
            if (!ImplementationProbe.Agrees(loss.reshape([]), right))
            {
                return ExerciseResult.Wrong(AttentionTransferTitle, "AT loss: " + DiagnoseAtLoss(loss.reshape([]), student.detach(), teacher.detach()));
            }
            if (!loss.requires_grad)
            {
                return ExerciseResult.Wrong(AttentionTransferTitle, "AT loss: the value is right but no gradient reaches the student's features; do not detach them.");
            }
            var grads = autograd.grad([loss.reshape([])], [student, teacher], allow_unused: true);
            if (grads[1] is { } g && !g.IsInvalid && g.abs().max().item<float>() > 0)
            {
                return ExerciseResult.Wrong(AttentionTransferTitle, "AT loss: the value is right, but gradients also flow into the teacher's features; detach the teacher's map (the teacher is not being trained).");
            }
            var rightGrad = autograd.grad([right], [student])[0];
            if (!ImplementationProbe.Agrees(grads[0], rightGrad, 1e-4))
            {
                return ExerciseResult.Wrong(AttentionTransferTitle, "AT loss: the value is right but its gradient with respect to the student's features is not.");
            }
            return ExerciseResult.Right(AttentionTransferTitle, $"your map agrees with AttentionTransferLoss.AttentionMap to {ImplementationProbe.MaxDifference(map!, rightMap):0.0e0} and your loss with the kit's " +
                $"to {ImplementationProbe.MaxDifference(loss.reshape([]), right):0.0e0}, with gradients on the student only. A 16-channel student matches a 32-channel teacher because each map is summed over channels and normalised.");
        }

        private static string DiagnoseMap(Tensor map, Tensor features, Tensor right)
        {
            var q = features.pow(2).sum(1).flatten(1);
            if (!map.shape.SequenceEqual(right.shape))
            {
                return map.numel() == right.numel()
                    ? $"the values may be right, but the shape is {ImplementationProbe.Shape(map)}; flatten each image's map to one row: {ImplementationProbe.Shape(right)} (batch × H·W)."
                    : $"shape {ImplementationProbe.Shape(map)}, expected {ImplementationProbe.Shape(right)} (batch × H·W): sum over the channel dimension (1), then flatten.";
            }
            var candidates = new (string Why, Tensor Value)[]
            {
                ("not normalised: divide each image's map by its L2 norm (sqrt of the sum of squares over its H·W values).", q),
                ("p = 1 (|A| summed); the AT loss uses the squares, Σ_c A_c².", features.abs().sum(1).flatten(1) / features.abs().sum(1).flatten(1).pow(2).sum(1, keepdim: true).sqrt()),
                ("normalised by the sum (L1) rather than the L2 norm: divide by sqrt(Σ q²).", q / q.sum(1, keepdim: true)),
                ("normalised over the whole batch; normalise each image's map on its own (sum over dimension 1, keepdim: true).", q / q.pow(2).sum().sqrt()),
                ("summed over the wrong dimension: Σ over channels is dimension 1 of batch × C × H × W.", features.pow(2).sum(2).flatten(1) / features.pow(2).sum(2).flatten(1).pow(2).sum(1, keepdim: true).sqrt()),
            };
            if (ImplementationProbe.FirstMatch(map, candidates) is { } why)
            {
                return why;
            }
            return $"differs from the kit's by up to {ImplementationProbe.MaxDifference(map, right):g3}: square, sum over channels (dimension 1), flatten to batch × H·W, divide each row by its L2 norm.";
        }

        private static string DiagnoseAtLoss(Tensor loss, Tensor student, Tensor teacher)
        {
            var diff = AttentionTransferLoss.AttentionMap(student) - AttentionTransferLoss.AttentionMap(teacher);
            var candidates = new (string Why, Tensor Value)[]
            {
                ("β is missing: multiply the mean squared difference by β = 1000 (the maps are unit vectors, so the raw term is tiny).", diff.pow(2).mean()),
                ("that is the paper's Eq. 2, β/2 · mean of ‖q_s − q_t‖₂; the kit (and the authors' code) use β · mean((q_s − q_t)²).", diff.pow(2).sum(1).sqrt().mean() * 500),
                ("summed instead of averaged: take the mean of the squared differences over batch × H·W.", diff.pow(2).sum() * 1000),
                ("the difference is not squared.", diff.abs().mean() * 1000),
                ("averaged over the batch only; the code form averages over every position as well (mean over batch × H·W).", diff.pow(2).sum(1).mean() * 1000),
            };
            if (ImplementationProbe.FirstMatch(loss, candidates) is { } why)
            {
                return why;
            }
            return $"your loss is {loss.to_type(ScalarType.Float64).item<double>():g4}, the kit's {(diff.pow(2).mean() * 1000).item<float>():g4}; compute q for both with your attention map, then β · mean((q_s − q_t)²).";
        }
    }
}
