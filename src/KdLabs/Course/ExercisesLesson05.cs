namespace KdLabs.Course;

public static partial class Exercises
{
    /// <summary>Checks for lesson 05 (SSLD: label-free distillation with unlabelled images).</summary>
    public static partial class Lesson05
    {
        private const string JsTitle = "Lesson 05, exercise 1: JS divergence of two disjoint distributions";
        private const string MiningTitle = "Lesson 05, exercise 2: what top-k mining keeps";
        private const string ClaimTitle = "Lesson 05, exercise 3: when 'unlabelled data helps' is a claim";

        /// <summary>
        /// Exercise 1: JS(p, q) in nats for p = (1, 0) and q = (0, 1). Null is "not answered yet".
        /// </summary>
        public static ExerciseResult JsOfDisjoint(double? answer)
        {
            double right = Math.Log(2);
            if (answer is not double a)
            {
                return ExerciseResult.Wrong(JsTitle, "not answered yet: replace null with a number (m = ½(p + q); JS = ½KL(p‖m) + ½KL(q‖m)).");
            }
            if (Math.Abs(a - right) < 0.005)
            {
                return ExerciseResult.Right(JsTitle, $"m = (½, ½), KL(p‖m) = 1·ln(1/½) = ln 2 and the same for q, so JS = ln 2 ≈ {right:0.###}: the largest value JS can take. " +
                    "Unlike KL, which is infinite here, JS stays bounded, so one confidently wrong teacher label cannot blow up a batch's loss.");
            }
            if (Math.Abs(a - 1) < 0.005)
            {
                return ExerciseResult.Wrong(JsTitle, "that is the bound in bits (log base 2); the kit's losses use natural logarithms.");
            }
            if (double.IsPositiveInfinity(a) || a > 10)
            {
                return ExerciseResult.Wrong(JsTitle, "that is KL(p‖q), which divides by q's zero. JS compares each with the mixture m, which is never zero where p or q is not.");
            }
            if (Math.Abs(a) < 0.005)
            {
                return ExerciseResult.Wrong(JsTitle, "JS is zero only for identical distributions; these two share nothing.");
            }
            return ExerciseResult.Wrong(JsTitle, "not quite: work out m first, then KL(p‖m) = Σ p log(p/m), skipping terms where p is 0.");
        }

        /// <summary>The choices of <see cref="Mining"/>.</summary>
        public static IReadOnlyDictionary<char, string> MiningChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "k images of every class, always: k × 10 in all.",
            ['b'] = "For each class the teacher predicts, its k most confident images, or all of them when it predicts that class fewer than k times.",
            ['c'] = "The k × 10 most confident images of the whole pool, whatever their class.",
            ['d'] = "The images whose true label the teacher gets right.",
        };

        /// <summary>Exercise 2 (multiple choice, see <see cref="MiningChoices"/>): what SSLD's top-k selection keeps. '?' is "not answered yet".</summary>
        public static ExerciseResult Mining(char answer) => MultipleChoice.Check(MiningTitle, answer, 'b', new Dictionary<char, string>
        {
            ['b'] = "selection is per predicted class: a class the teacher rarely predicts gives fewer than k images (the mining counts show it), " +
                "which keeps the mined set's classes as balanced as the teacher can make them without inventing examples.",
            ['a'] = "a class the teacher predicts only 18 times cannot give 50 images; look at the mining counts.",
            ['c'] = "a global top would fill up with the easiest class (often 1s) and starve the hard ones; SSLD ranks within each predicted class.",
            ['d'] = "the pool has no labels to check against: the teacher's confidence is all SSLD has. The lab reads the hidden labels only afterwards, to score the mining.",
        });

        /// <summary>The choices of <see cref="Claim"/>.</summary>
        public static IReadOnlyDictionary<char, string> ClaimChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "Nothing: one run with a higher accuracy is the claim.",
            ['b'] = "That the SSLD student's best epoch beats the labels-only student's best epoch.",
            ['c'] = "That the gain holds over several seeds (mean ± std, paired by seed, last epoch) and that the teacher saw only the labelled images.",
            ['d'] = "That the SSLD student's training accuracy is higher.",
        };

        /// <summary>Exercise 3 (multiple choice, see <see cref="ClaimChoices"/>): what must hold before "unlabelled data helps". '?' is "not answered yet".</summary>
        public static ExerciseResult Claim(char answer) => MultipleChoice.Check(ClaimTitle, answer, 'c', new Dictionary<char, string>
        {
            ['c'] = "seed noise on 10,000 test images is a few tenths of a point, so one run proves nothing; and a teacher trained on more labels than the student " +
                "would smuggle those labels in through its soft targets. The lab reports both: the main rows over seeds, and a teacher trained on the labelled subset only.",
            ['a'] = "one seed is an anecdote: run two seeds of the same recipe and see how far apart they land.",
            ['b'] = "picking the best epoch by test accuracy tunes on the test set; report the last epoch (or choose on a validation split).",
            ['d'] = "the SSLD student's 'training accuracy' is agreement with the teacher's classes on the mined images, not accuracy on anything held out.",
        });
    }
}
