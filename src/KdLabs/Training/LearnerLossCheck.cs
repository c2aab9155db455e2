using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// What a learner-written loss must return for the trainer to use it: one number with a gradient. Checked on every step
/// (both are properties of the tensor, no read-back), so a mistake stops the first step with a message that says what to change.
/// </summary>
internal static class LearnerLossCheck
{
    public static Tensor Checked(Tensor? loss, string name)
    {
        if (loss is null)
        {
            throw new Infrastructure.UserErrorException($"{name}: the loss returned null; return a tensor with one number.");
        }
        if (loss.numel() != 1)
        {
            throw new Infrastructure.UserErrorException($"{name}: the loss has shape [{string.Join(", ", loss.shape)}], not one number; reduce it (e.g. .sum() / batchSize, or .mean()).");
        }
        if (!loss.requires_grad)
        {
            throw new Infrastructure.UserErrorException($"{name}: the loss has no gradient with respect to the student, so training cannot change it; do not detach the student's outputs or compute the loss from the teacher alone.");
        }
        return loss.reshape([]);
    }
}
