using System.Globalization;
using KdLabs.Experiments;

namespace KdLabs.Course;

/// <summary>
/// Answer checks for the lessons' exercises. Each returns an <see cref="ExerciseResult"/> (never throws on a wrong or
/// missing answer), so a notebook with unfilled placeholders still runs to the end. Solutions live here, not in the
/// notebooks: a wrong answer gets a hint, a right one the explanation.
/// </summary>
public static partial class Exercises
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Lesson 01: temperature softening and dark knowledge.</summary>
    public static partial class Lesson01
    {
        internal const string SoftTargetsTitle = "Lesson 01, exercise 1 (soft targets of [2, 1, 0] at T = 4)";
        internal const string BestAlphaTitle = "Lesson 01, exercise 2 (best α at T = 4)";
        internal const string GradientTitle = "Lesson 01, exercise 3 (gradient shrink from T = 2 to T = 8 without T²)";

        /// <summary>The logits of exercise 1.</summary>
        public static IReadOnlyList<double> Logits { get; } = [2, 1, 0];

        /// <summary>The temperature of exercise 1.</summary>
        public const double Temperature = 4;

        /// <summary>
        /// Exercise 1: the soft targets softmax(z / T) of z = [2, 1, 0] at T = 4, to two decimals (±0.01 each).
        /// All zeros (the placeholder) counts as "not answered yet".
        /// </summary>
        public static ExerciseResult SoftTargets(double[]? answer)
        {
            const string title = SoftTargetsTitle;
            double[] expected = Softmax(Logits, Temperature);
            if (answer is null || answer.All(v => v == 0))
            {
                return ExerciseResult.Wrong(title, "not answered yet: replace the zeros with your three probabilities, e.g. [0.5, 0.3, 0.2].");
            }
            if (answer.Length != 3)
            {
                return ExerciseResult.Wrong(title, $"expected 3 probabilities (one per logit), got {answer.Length}.");
            }
            if (answer.Any(v => double.IsNaN(v) || v < 0 || v > 1))
            {
                return ExerciseResult.Wrong(title, "every probability lies between 0 and 1; check your exponentials.");
            }
            double sum = answer.Sum();
            if (Math.Abs(sum - 1) > 0.02)
            {
                return ExerciseResult.Wrong(title, $"your values sum to {sum.ToString("0.###", Inv)}, but soft targets are a distribution: " +
                    "divide each exp(zᵢ/T) by the sum of all three.");
            }
            if (Close(answer, expected, 0.01))
            {
                return ExerciseResult.Right(title, $"softmax([2, 1, 0] / 4) = [{Format(expected)}]. At T = 1 it is [{Format(Softmax(Logits, 1))}]: " +
                    "dividing by T shrinks the gaps between logits, so the wrong classes get visibly more probability (\"dark knowledge\").");
            }
            if (Close(answer, Softmax(Logits, 1), 0.01))
            {
                return ExerciseResult.Wrong(title, "that is the plain softmax (T = 1): divide the logits by T = 4 before exponentiating.");
            }
            if (Close(answer, Softmax(Logits.Select(z => z * Temperature).ToArray(), 1), 0.01))
            {
                return ExerciseResult.Wrong(title, "that is softmax(z · T): a temperature divides the logits, which flattens the distribution; multiplying sharpens it.");
            }
            if (Close(answer, expected.Reverse().ToArray(), 0.01))
            {
                return ExerciseResult.Wrong(title, "right numbers, wrong order: the largest logit (2) keeps the largest probability at any T.");
            }
            int worst = Enumerable.Range(0, 3).MaxBy(i => Math.Abs(answer[i] - expected[i]));
            return ExerciseResult.Wrong(title, $"entry {worst + 1} is off by more than 0.01. Recompute qᵢ = exp(zᵢ/T) / Σⱼ exp(zⱼ/T) with T = 4 " +
                "(z/T = [0.5, 0.25, 0]).");
        }

        /// <summary>
        /// Exercise 2: the α (hard-label weight) that gives the best student at temperature <paramref name="temperature"/>
        /// in your sweep, by the accuracy on the sweep's evaluation set (the lesson's held-out validation images: settings are
        /// chosen there, never on the test set). Ties count: any α with the top accuracy is accepted. NaN (the placeholder) is "not answered yet".
        /// </summary>
        public static ExerciseResult BestAlpha(IReadOnlyList<SweepCell> cells, double answer, double temperature = 4)
        {
            const string title = BestAlphaTitle;
            ArgumentNullException.ThrowIfNull(cells);
            var column = cells.Where(c => c.Temperature == temperature).ToList();
            if (column.Count == 0)
            {
                return ExerciseResult.Wrong(title, $"the sweep has no cell at T = {temperature.ToString(Inv)}; its temperatures are " +
                    $"{string.Join(", ", cells.Select(c => c.Temperature).Distinct().Select(t => t.ToString(Inv)))}. Run the grid cell first.");
            }
            if (double.IsNaN(answer))
            {
                return ExerciseResult.Wrong(title, "not answered yet: replace double.NaN with the α you read off the T = " + temperature.ToString(Inv) + " column.");
            }
            var mine = column.FirstOrDefault(c => Math.Abs(c.Alpha - answer) < 1e-9);
            if (mine is null)
            {
                return ExerciseResult.Wrong(title, $"α = {answer.ToString(Inv)} is not in the grid; the grid has α ∈ {{{string.Join(", ", column.Select(c => c.Alpha.ToString(Inv)))}}}.");
            }
            var best = column.MaxBy(c => c.Accuracy)!;
            string split = best.EvaluationSet;
            int images = TestImages(best.Accuracy, best.Errors);
            double noise = 1.96 * Math.Sqrt(best.Accuracy * (1 - best.Accuracy) / Math.Max(1, images)) * 100;
            if (mine.Accuracy < best.Accuracy)
            {
                int behind = mine.Errors - best.Errors;
                string hint = cells.MaxBy(c => c.Accuracy) is { } overall && Math.Abs(overall.Alpha - answer) < 1e-9 && overall.Temperature != temperature
                    ? $" (α = {answer.ToString(Inv)} is the best at T = {overall.Temperature.ToString(Inv)}, not at T = {temperature.ToString(Inv)})"
                    : "";
                return ExerciseResult.Wrong(title, $"α = {answer.ToString(Inv)} reaches {Pct(mine.Accuracy)} at T = {temperature.ToString(Inv)}{hint}; " +
                    $"another α in that column makes {behind} fewer {split} errors. Read only the T = {temperature.ToString(Inv)} column of the heatmap.");
            }
            var runnerUp = column.Where(c => c.Accuracy < best.Accuracy).MaxBy(c => c.Accuracy);
            string gap = runnerUp is null
                ? "Every α in the column ties."
                : $"The runner-up (α = {runnerUp.Alpha.ToString(Inv)}) is {runnerUp.Errors - mine.Errors} errors ({((mine.Accuracy - runnerUp.Accuracy) * 100).ToString("0.0", Inv)} points) behind; " +
                  $"on {images:N0} {split} images a single accuracy is only known to about ±{noise.ToString("0.0", Inv)} points (95 %), " +
                  $"so {((mine.Accuracy - runnerUp.Accuracy) * 100 > noise ? "the gap is larger than that, but" : "the gap is within that, and")} " +
                  "another seed (-p seed=2) may reorder the column. Believe a ranking only when it survives several seeds.";
            return ExerciseResult.Right(title, $"α = {answer.ToString(Inv)} gives {Pct(mine.Accuracy)} ({mine.Errors} errors) at T = {temperature.ToString(Inv)}. {gap}");
        }

        /// <summary>
        /// Exercise 3: by what factor the soft term's gradient shrinks from T = 2 to T = 8 <em>without</em> the T² factor,
        /// read from the lesson's gradient-scale table (±20 % of the measured ratio; the theoretical 16 is accepted too).
        /// NaN (the placeholder) is "not answered yet".
        /// </summary>
        public static ExerciseResult GradientShrink(IReadOnlyList<GradientScaleRow> table, double answer)
        {
            const string title = GradientTitle;
            ArgumentNullException.ThrowIfNull(table);
            var at2 = table.FirstOrDefault(r => r.Temperature == 2);
            var at8 = table.FirstOrDefault(r => r.Temperature == 8);
            if (at2 is null || at8 is null || at8.NormWithoutT2 <= 0)
            {
                return ExerciseResult.Wrong(title, "the table needs rows at T = 2 and T = 8; run the gradient-scale cell with temperatures [1, 2, 4, 8, 16].");
            }
            if (double.IsNaN(answer))
            {
                return ExerciseResult.Wrong(title, "not answered yet: replace double.NaN with (norm at T = 2) / (norm at T = 8), both from the NormWithoutT2 column.");
            }
            double measured = at2.NormWithoutT2 / at8.NormWithoutT2;
            double withT2 = at2.NormWithT2 / at8.NormWithT2;
            string m = measured.ToString("0.0", Inv);
            if (Near(answer, measured, 0.2) || Near(answer, 16, 0.05))
            {
                return ExerciseResult.Right(title, $"measured {m}×; the large-T law says the gradient scales like 1/T², so (8/2)² = 16. " +
                    $"Without T², moving from T = 2 to T = 8 would weaken the soft term about {m}-fold, so the same α would mean almost pure " +
                    $"hard-label training at T = 8. With T² the two norms differ only by a factor {withT2.ToString("0.00", Inv)}: " +
                    "α keeps one meaning at every temperature. That is why Hinton et al. multiply the soft loss by T².");
            }
            if (Near(answer, 4, 0.1))
            {
                return ExerciseResult.Wrong(title, "4 = 8/2 counts one factor of T. The gradient is (q − p)/T, and the gap q − p between the softened " +
                    "distributions itself shrinks like 1/T: read the NormWithoutT2 column instead of reasoning from one factor.");
            }
            if (answer > 0 && Near(1 / answer, measured, 0.2))
            {
                return ExerciseResult.Wrong(title, "inverted: the gradient gets smaller as T grows, so the shrink factor is (norm at T = 2) / (norm at T = 8) > 1.");
            }
            if (Near(answer, withT2, 0.05))
            {
                return ExerciseResult.Wrong(title, "that ratio comes from the NormWithT2 column; the question is about the gradient without the T² factor.");
            }
            return ExerciseResult.Wrong(title, "not what the table shows: divide the NormWithoutT2 value at T = 2 by the one at T = 8.");
        }
    }

    /// <summary>Lesson 02: an MNIST teacher and its distilled student.</summary>
    public static partial class Lesson02
    {
        internal const string ErrorsTitle = "Lesson 02, exercise 1 (test errors saved by distillation)";
        internal const string TeacherModeTitle = "Lesson 02, exercise 2 (why the teacher must be in eval mode)";
        internal const string KlTitle = "Lesson 02, exercise 3 (kl_div direction in TorchSharp)";

        /// <summary>
        /// Exercise 1: how many fewer test errors the distilled student makes than the baseline (negative when it makes
        /// more). Null (the placeholder) is "not answered yet".
        /// </summary>
        public static ExerciseResult ErrorsSaved(ModelResult baseline, ModelResult distilled, int? answer)
        {
            const string title = ErrorsTitle;
            ArgumentNullException.ThrowIfNull(baseline);
            ArgumentNullException.ThrowIfNull(distilled);
            if (answer is null)
            {
                return ExerciseResult.Wrong(title, "not answered yet: replace null with the number of test errors the distilled student saves (the Errors column).");
            }
            int saved = baseline.Errors - distilled.Errors;
            int n = TestImages(baseline.TestAccuracy, baseline.Errors);
            double p = (baseline.TestAccuracy + distilled.TestAccuracy) / 2;
            // Two independent-looking accuracies on the same n images: the standard error of their difference is about √2 · √(p(1−p)/n).
            double noiseErrors = 1.96 * Math.Sqrt(2 * p * (1 - p) * n);
            if (answer == saved)
            {
                string verdict = Math.Abs(saved) > noiseErrors
                    ? "larger than that: a real difference for this seed, and still worth repeating with seeds 2 and 3."
                    : "within that: on its own this run cannot tell whether KD helped. Run seeds 1, 2 and 3 and compare mean ± std.";
                return ExerciseResult.Right(title, $"{baseline.Errors} − {distilled.Errors} = {saved} errors on {n:N0} test images. " +
                    $"Sampling noise alone moves a difference like this by about ±{noiseErrors.ToString("0", Inv)} errors (95 %), before seeds even differ; the gap is {verdict}");
            }
            if (answer == -saved && saved != 0)
            {
                return ExerciseResult.Wrong(title, "sign flipped: count baseline errors minus distilled errors, so a positive number means distillation helped.");
            }
            if (Math.Abs(answer.Value - (distilled.TestAccuracy - baseline.TestAccuracy) * 100) < 0.51 && saved != answer)
            {
                return ExerciseResult.Wrong(title, "that looks like the accuracy gap in percentage points; the question counts test errors (the Errors column).");
            }
            return ExerciseResult.Wrong(title, "not what the table shows: take the Errors of \"student (no KD)\" minus the Errors of \"student (KD)\".");
        }

        /// <summary>The choices of exercise 2, as the notebook shows them.</summary>
        public static IReadOnlyDictionary<char, string> TeacherModeChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "Eval mode makes the teacher faster and lighter on memory; the soft targets come out the same either way.",
            ['b'] = "In train mode dropout zeroes random units, so each pass gives different, noisier soft targets.",
            ['c'] = "eval() switches off the teacher's gradients, so the optimizer cannot change it.",
            ['d'] = "Eval mode makes batch normalisation use each batch's own statistics.",
        };

        /// <summary>Exercise 2 (multiple choice, see <see cref="TeacherModeChoices"/>): why must the teacher be in eval mode? '?' is "not answered yet".</summary>
        public static ExerciseResult TeacherMode(char answer) => MultipleChoice.Check(TeacherModeTitle, answer, 'b', new Dictionary<char, string>
        {
            ['b'] = "dropout is random in train mode, so the targets the student chases would change from pass to pass " +
                "and never equal the teacher's real predictions. The kit's LiveTeacher puts the teacher in eval mode and refuses to run it in " +
                "train mode (test: TrainerTests.LiveTeacherIsFrozenInEvalModeAndRefusesTrainMode).",
            ['a'] = "speed is a side effect. Ask what dropout does to the outputs when it is active.",
            ['c'] = "eval() does not touch gradients: that is torch.no_grad() or requires_grad(false) (the kit does both). " +
                "eval() changes how dropout and batch norm behave.",
            ['d'] = "reversed: in eval mode batch norm uses its running statistics, in train mode the batch's own. " +
                "And this teacher has dropout, not batch norm: what does dropout do in train mode?",
        });

        /// <summary>The choices of exercise 3, as the notebook shows them. s and t are student and teacher logits.</summary>
        public static IReadOnlyDictionary<char, string> KlDirectionChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "kl_div(log_softmax(s/T), log_softmax(t/T), log_target: true)",
            ['b'] = "kl_div(log_softmax(t/T), log_softmax(s/T), log_target: true)",
            ['c'] = "kl_div(log_softmax(s/T), log_softmax(t/T), log_target: false)",
            ['d'] = "kl_div(softmax(s/T), softmax(t/T), log_target: false)",
        };

        /// <summary>
        /// Exercise 3 (multiple choice, see <see cref="KlDirectionChoices"/>): TorchSharp's
        /// <c>functional.kl_div(input, target, reduction, log_target)</c> computes target · (log target − input) elementwise.
        /// Which call is Hinton's soft term KL(teacher ‖ student)? '?' is "not answered yet".
        /// </summary>
        public static ExerciseResult KlDirection(char answer) => MultipleChoice.Check(KlTitle, answer, 'a', new Dictionary<char, string>
        {
            ['a'] = "input is the student's log-probabilities, target the teacher's, and log_target: true says the target is " +
                "a log too. That is Σ p_t (log p_t − log q_s) = KL(teacher ‖ student). The kit spells log_target out because defaults differ " +
                "between libraries (tests: KdLossTests.KlIsTeacherToStudentAveragedPerSampleNotPerElement, KlDivOfTorchSharpIsUsedWithExplicitLogTarget).",
            ['b'] = "that is KL(student ‖ teacher): the arguments are swapped. The expectation is then taken under the " +
                "student's own distribution, which ignores the classes the student already neglects: exactly the dark knowledge you want.",
            ['c'] = "with log_target: false the target is read as probabilities, but log_softmax gives negative numbers: " +
                "the \"loss\" is meaningless (NaN: the log of a negative number). Either pass softmax(t/T) or say log_target: true.",
            ['d'] = "kl_div's input must be log-probabilities; passing probabilities computes something else.",
        });
    }

    /// <summary>Lesson 04: distilling a neural network into a soft decision tree.</summary>
    public static partial class Lesson04
    {
        internal const string ParametersTitle = "Lesson 04, exercise 1 (parameters of a soft decision tree)";
        internal const string PathTitle = "Lesson 04, exercise 2 (probability of one digit's path)";
        internal const string PenaltyTitle = "Lesson 04, exercise 3 (what the balance penalty is for)";

        /// <summary>
        /// Exercise 1: the number of parameters of <paramref name="tree"/> (filters, biases, leaf logits and β). Null is "not answered yet".
        /// </summary>
        public static ExerciseResult ParameterCount(Models.SoftDecisionTree tree, long? answer)
        {
            const string title = ParametersTitle;
            ArgumentNullException.ThrowIfNull(tree);
            if (answer is null)
            {
                return ExerciseResult.Wrong(title, "not answered yet: replace null with a whole number (work it out from the depth, 784 pixels and 10 classes).");
            }
            long inner = tree.InnerCount, leaves = tree.LeafCount, f = tree.InputFeatures, k = tree.Classes;
            long right = inner * (f + 1) + leaves * k + 1;
            if (answer == right)
            {
                return ExerciseResult.Right(title, $"{inner} inner nodes × ({f} weights + 1 bias) + {leaves} leaves × {k} logits + 1 β = {right:N0}. " +
                    $"Every inner node is one logistic regression on the raw pixels: the tree is as wide as one {inner}-unit layer, yet each decision is a single readable filter.");
            }
            if (answer == right - 1)
            {
                return ExerciseResult.Wrong(title, "almost: one scalar is shared by every inner node and is trained too. Look at p_i(x) = σ(β(x·w_i + b_i)).");
            }
            if (answer == inner * f + leaves * k + 1 || answer == inner * f + leaves * k)
            {
                return ExerciseResult.Wrong(title, "each inner node also has a bias b_i.");
            }
            if (answer == leaves * (f + 1) + leaves * k + 1 || answer == inner * (f + 1) + inner * k + 1)
            {
                return ExerciseResult.Wrong(title, "a full binary tree of depth d has 2^d − 1 inner nodes and 2^d leaves: one more leaf than inner nodes.");
            }
            return ExerciseResult.Wrong(title, $"not quite. Count inner nodes (2^d − 1 for depth {tree.Depth}) with their filters and biases, leaves with one logit per class, and β.");
        }

        /// <summary>
        /// Exercise 2: the probability that the digit reaches the leaf at the end of its greedy path, from the steps
        /// <c>GreedyPath</c> returned (within 2 % or 0.005). Null is "not answered yet".
        /// </summary>
        public static ExerciseResult PathProbability(IReadOnlyList<Models.SoftTreeStep> steps, double? answer)
        {
            const string title = PathTitle;
            ArgumentNullException.ThrowIfNull(steps);
            if (steps.Count == 0)
            {
                throw new ArgumentException("The path has no steps.", nameof(steps));
            }
            if (answer is null)
            {
                return ExerciseResult.Wrong(title, "not answered yet: replace null with a probability between 0 and 1 computed from the path's steps.");
            }
            double right = steps.Aggregate(1.0, (p, s) => p * (s.GoesRight ? s.RightProbability : 1 - s.RightProbability));
            bool Matches(double target) => Math.Abs(answer.Value - target) <= Math.Max(0.005, 0.02 * target);
            if (Matches(right))
            {
                return ExerciseResult.Right(title, $"P = Π over the path of the probability of the branch taken = {right.ToString("0.0000", Inv)}. " +
                    (right > 0.5 ? "Most of the digit's probability mass reaches this one leaf, so the max-leaf and the mixture predictions agree." :
                        "Less than half of the digit's probability reaches this leaf: the mixture prediction leans on other leaves too, and max-leaf may disagree."));
            }
            double allRight = steps.Aggregate(1.0, (p, s) => p * s.RightProbability);
            if (Matches(allRight) && !Matches(right))
            {
                return ExerciseResult.Wrong(title, "you multiplied p(right) at every node; where the path goes left, the branch's probability is 1 − p(right).");
            }
            var last = steps[^1];
            if (Matches(last.ReachProbability))
            {
                return ExerciseResult.Wrong(title, "that is the probability of reaching the last inner node; the leaf needs one more branch.");
            }
            if (answer is < 0 or > 1)
            {
                return ExerciseResult.Wrong(title, "a probability is between 0 and 1.");
            }
            return ExerciseResult.Wrong(title, "not what the path shows: multiply, over every step, p(right) where it goes right and 1 − p(right) where it goes left.");
        }

        /// <summary>The choices of exercise 3, as the notebook shows them.</summary>
        public static IReadOnlyDictionary<char, string> PenaltyChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "It keeps the filters small, like weight decay, so the tree does not overfit.",
            ['b'] = "It pushes every inner node to send about half of the probability that reaches it each way, so no node sends everything to one child and leaves a subtree unused.",
            ['c'] = "It makes every decision sharper (p close to 0 or 1), so the max-leaf prediction matches the mixture.",
            ['d'] = "It makes the leaves' distributions match the teacher's soft targets.",
        };

        /// <summary>Exercise 3 (multiple choice, see <see cref="PenaltyChoices"/>): what the balance penalty does. '?' is "not answered yet".</summary>
        public static ExerciseResult Penalty(char answer) => MultipleChoice.Check(PenaltyTitle, answer, 'b', new Dictionary<char, string>
        {
            ['b'] = "C = −λ Σ_i 2^(−d_i) · ½ (log α_i + log(1 − α_i)) is smallest when α_i, the share of the node's probability it sends right, " +
                "is ½. Without it the tree soon stops using whole subtrees (the filters never get gradient). Deep nodes see little data, so their terms are weighted 2^(−d).",
            ['a'] = "the penalty does not look at the size of w_i at all; it looks at how probability is split at each node.",
            ['c'] = "it is about the average split over the data, not about each sample's decision: a node can be balanced and sharp at once.",
            ['d'] = "that is the data term of the distilled tree's loss, not the penalty; the penalty is the same with or without a teacher.",
        });
    }

    internal static double[] Softmax(IReadOnlyList<double> logits, double temperature)
    {
        double max = logits.Max() / temperature;
        double[] e = logits.Select(z => Math.Exp(z / temperature - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static bool Close(IReadOnlyList<double> a, IReadOnlyList<double> b, double tolerance) =>
        a.Count == b.Count && a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= tolerance);

    private static bool Near(double value, double target, double relative) => Math.Abs(value - target) <= relative * Math.Abs(target);

    private static string Format(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("0.000", Inv)));

    private static string Pct(double accuracy) => (accuracy * 100).ToString("0.0", Inv) + " %";

    private static int TestImages(double accuracy, int errors) => accuracy < 1 ? (int)Math.Round(errors / (1 - accuracy)) : errors;
}
