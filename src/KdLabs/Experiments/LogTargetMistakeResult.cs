namespace KdLabs.Experiments;

/// <summary>
/// The <c>log_target</c> mistake measured: T²-scaled soft terms on one batch (correct, as written in the PyTorch example on
/// this libtorch, and under older libtorch's rule), what training with the mistake as written did, and the student trained
/// under the older rule.
/// </summary>
public sealed record LogTargetMistakeResult(
    double CorrectSoftTerm,
    double AsWrittenSoftTerm,
    double OlderRuleSoftTerm,
    string AsWrittenTraining,
    ModelResult? AsWrittenStudent,
    ModelResult OlderRuleStudent);
