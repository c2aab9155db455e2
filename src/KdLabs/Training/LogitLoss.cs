using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// A loss written by the learner for a logit method: the student's logits (batch × classes, on the autograd graph), the
/// teacher's logits for the same images (no gradient) and the integer labels in, one number to minimise out. Any lambda
/// <c>(s, t, y) =&gt; …</c> converts to it; <see cref="LearnerLogitObjective"/> trains a student with it.
/// </summary>
public delegate Tensor LogitLoss(Tensor studentLogits, Tensor teacherLogits, Tensor labels);
