namespace KdLabs.Course;

public static partial class Exercises
{
    /// <summary>Checks for lesson 03 (chest X-ray, ResNet-18 → tiny CNN).</summary>
    public static class Lesson03
    {
        private const string ParametersTitle = "Lesson 03, exercise 1: the student's parameters";
        private const string ScreeningTitle = "Lesson 03, exercise 2: a screening tool's metric";

        /// <summary>
        /// Exercise 1: how many parameters has the student (conv 3→4 filters 3×3, batch norm, max-pool 2, linear to 2
        /// classes) at <paramref name="imageSize"/> px? Any negative answer is "not answered yet".
        /// </summary>
        public static ExerciseResult StudentParameters(int imageSize, long answer)
        {
            long half = imageSize / 2;
            long conv = 4 * 3 * 3 * 3 + 4, norm = 2 * 4, linear = 4 * half * half * 2 + 2;
            long expected = conv + norm + linear;
            if (answer < 0)
            {
                return ExerciseResult.Wrong(ParametersTitle, "not answered yet: replace -1 with your count.");
            }
            if (answer == expected)
            {
                return ExerciseResult.Right(ParametersTitle, $"{conv} in the conv layer, {norm} in batch norm (γ and β; the running statistics are buffers, not parameters) " +
                    $"and {linear:N0} in the linear layer: 4 maps of {half}×{half} after pooling, times 2 classes, plus 2 biases. The linear layer is " +
                    $"{100.0 * linear / expected:0.0} % of the model, and it grows with the image area.");
            }
            if (answer == expected - norm)
            {
                return ExerciseResult.Wrong(ParametersTitle, "close: batch norm has two learned parameters per channel (γ and β).");
            }
            if (answer == expected + norm)
            {
                return ExerciseResult.Wrong(ParametersTitle, "the running mean and variance of batch norm are buffers, not learned parameters.");
            }
            if (answer == 4 * (long)imageSize * imageSize * 2 + 2 + conv + norm)
            {
                return ExerciseResult.Wrong(ParametersTitle, "the max-pool halves each side before the linear layer: use (size/2)² positions per map.");
            }
            return ExerciseResult.Wrong(ParametersTitle, "count conv weights (out × in × 3 × 3) plus biases, batch norm's γ and β, and the linear layer's inputs (4 pooled maps) × 2 classes plus 2 biases.");
        }

        /// <summary>The choices of exercise 2, as the notebook shows them.</summary>
        public static IReadOnlyDictionary<char, string> ScreeningChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "Sensitivity: a missed pneumonia (false negative) costs more than a false alarm that a radiologist then clears.",
            ['b'] = "Specificity: false alarms are what make a screening tool expensive, so they matter most.",
            ['c'] = "Accuracy: it already combines both.",
        };

        /// <summary>Exercise 2 (multiple choice, see <see cref="ScreeningChoices"/>): '?' is "not answered yet".</summary>
        public static ExerciseResult ScreeningMetric(char answer) => MultipleChoice.Check(ScreeningTitle, answer, 'a', new Dictionary<char, string>
        {
            ['a'] = "a screening step must not miss cases; false positives are caught by the next, more careful step. " +
                "So pick the threshold on the ROC curve for high sensitivity and accept a lower specificity, and report both: accuracy hides the trade.",
            ['b'] = "false alarms cost time, but a missed pneumonia goes untreated. Which error can the next step still catch?",
            ['c'] = "accuracy weighs both errors by how common each class is; with 62 % pneumonia in the test set it can look good while missing cases.",
        });
    }
}
