using KdLabs.Losses;
using static TorchSharp.torch;

namespace KdLabs.Course;

public static partial class Exercises
{
    /// <summary>Checks for lesson 06 (the method zoo).</summary>
    public static partial class Lesson06
    {
        private const string AttentionTitle = "Lesson 06, exercise 1: an attention map by hand";
        private const string CacheTitle = "Lesson 06, exercise 2: which methods can cache the teacher";
        private const string DetachTitle = "Lesson 06, exercise 3: why mutual learning detaches the peers";

        /// <summary>The feature map of exercise 1: one image, 2 channels, 1 × 2 positions. Channel 0 is (1, 0), channel 1 is (1, 2).</summary>
        public static float[,] AttentionFeatures { get; } = { { 1, 0 }, { 1, 2 } };

        /// <summary>
        /// Exercise 1: the attention map q (one value per position) of <see cref="AttentionFeatures"/>, with p = 2. Null is "not answered yet".
        /// </summary>
        public static ExerciseResult AttentionMap(double[]? answer)
        {
            using var scope = NewDisposeScope();
            var features = tensor(new float[] { 1, 0, 1, 2 }).reshape(1, 2, 1, 2);
            var right = AttentionTransferLoss.AttentionMap(features).flatten().data<float>().Select(v => (double)v).ToArray();
            if (answer is null)
            {
                return ExerciseResult.Wrong(AttentionTitle, "not answered yet: replace null with two numbers, e.g. new[] { 0.1, 0.2 } (square, sum over channels, then divide by the L2 norm).");
            }
            if (answer.Length != 2)
            {
                return ExerciseResult.Wrong(AttentionTitle, $"the map has one value per position, and there are 2 positions; you gave {answer.Length}.");
            }
            bool Near(double a, double b) => Math.Abs(a - b) < 0.005;
            if (Near(answer[0], right[0]) && Near(answer[1], right[1]))
            {
                return ExerciseResult.Right(AttentionTitle, $"Q = (1² + 1², 0² + 2²) = (2, 4), ‖Q‖₂ = √20, q = ({right[0]:0.###}, {right[1]:0.###}). " +
                    "Only the shape survives the normalisation, which is why a 16-channel student can match a 64-channel teacher's map.");
            }
            if (Near(answer[0], 2) && Near(answer[1], 4))
            {
                return ExerciseResult.Wrong(AttentionTitle, "that is Q before normalisation; divide by its L2 norm, so maps of networks of any width compare.");
            }
            if (Near(answer[0], 1.0 / 3) && Near(answer[1], 2.0 / 3))
            {
                return ExerciseResult.Wrong(AttentionTitle, "you divided by the sum; attention transfer divides by the L2 norm √(2² + 4²).");
            }
            if (Near(answer[0], Math.Sqrt(0.5)) && Near(answer[1], Math.Sqrt(0.5)))
            {
                return ExerciseResult.Wrong(AttentionTitle, "that is p = 1 (|A| summed, (2, 2)); the paper's p = 2 squares first, which weights strong activations more.");
            }
            return ExerciseResult.Wrong(AttentionTitle, "not quite: per position, add the squares of the two channels' values, then divide both results by the vector's length.");
        }

        /// <summary>The choices of <see cref="TeacherCache"/>.</summary>
        public static IReadOnlyDictionary<char, string> TeacherCacheChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "Every method: the teacher is frozen, so anything it computes can be cached once.",
            ['b'] = "The logit methods (KD, multi-teacher, DKD, FitNets' second stage) cache logits; the feature methods (FitNets' hint stage, AT, FSP) run the teacher on every batch.",
            ['c'] = "None: the student changes every step, so the teacher's outputs change too.",
            ['d'] = "Only deep mutual learning, which caches its peers' logits.",
        };

        /// <summary>Exercise 2 (multiple choice, see <see cref="TeacherCacheChoices"/>): which methods read cached teacher outputs. '?' is "not answered yet".</summary>
        public static ExerciseResult TeacherCache(char answer) => MultipleChoice.Check(CacheTitle, answer, 'b', new Dictionary<char, string>
        {
            ['b'] = "ten logits per image cost 2.4 MB for all of MNIST; the teacher's conv2 maps are 64 × 24 × 24 floats per image, 8.8 GB for 60,000 images. " +
                "So the feature methods pay a teacher forward pass per batch, which the table's time column shows.",
            ['a'] = "in principle yes, but the feature maps are too large to keep: 147 kB per image for the teacher's conv2 alone, 8.8 GB for the training set.",
            ['c'] = "the teacher does not depend on the student: it is frozen and sees the same unaugmented images every epoch.",
            ['d'] = "the peers train together, so their logits change every step and cannot be cached; and they are not a teacher.",
        });

        /// <summary>The choices of <see cref="Detach"/>.</summary>
        public static IReadOnlyDictionary<char, string> DetachChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "To save memory.",
            ['b'] = "So each student's loss updates only that student: summing the losses then gives every student exactly its own gradient in one step.",
            ['c'] = "Because KL cannot be differentiated with respect to its first argument.",
            ['d'] = "So that the students converge to the same weights.",
        };

        /// <summary>Exercise 3 (multiple choice, see <see cref="DetachChoices"/>): why the peers are detached in deep mutual learning. '?' is "not answered yet".</summary>
        public static ExerciseResult Detach(char answer) => MultipleChoice.Check(DetachTitle, answer, 'b', new Dictionary<char, string>
        {
            ['b'] = "without the detach, student k's mimicry term would also push peer j towards k, and the single summed step would no longer be the paper's " +
                "alternating updates. With it, each L_k treats the peers' predictions as fixed targets, like a teacher's.",
            ['a'] = "the saving is small; the reason is what the gradient means: which student each term is allowed to move.",
            ['c'] = "KL is differentiable in both arguments; the lesson's losses even test gradients through either side.",
            ['d'] = "they start from different weights and stay different; that diversity is what each learns from the other.",
        });
    }
}
