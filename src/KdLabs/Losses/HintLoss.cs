using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Losses;

/// <summary>
/// FitNets' hint loss (Romero et al. 2015, "FitNets: Hints for Thin Deep Nets"), stage one of their
/// training: pull the student's guided layer, passed through a <see cref="HintRegressor"/> when the
/// channel counts differ, towards the teacher's hint layer.
/// <code>L = mean over all elements of (u_h − r(v_g))²</code>
/// The paper writes ½‖u_h − r(v_g)‖²; the mean over elements (<c>F.mse_loss</c>, as in RepDistiller's
/// and mdistiller's FitNet) only rescales it by ½·N·C·H·W, which the loss weight absorbs, and keeps
/// its size independent of the feature-map size.
/// </summary>
public static class HintLoss
{
    /// <summary>
    /// MSE between the teacher's hint and the student's (regressed) guided features, shapes equal.
    /// Gradients reach the student side only: the hint is detached.
    /// </summary>
    public static Tensor Compute(Tensor teacherHint, Tensor studentGuided)
    {
        ArgumentNullException.ThrowIfNull(teacherHint);
        ArgumentNullException.ThrowIfNull(studentGuided);
        if (!teacherHint.shape.SequenceEqual(studentGuided.shape))
        {
            throw new ArgumentException($"Hint and guided features differ in shape: [{string.Join(", ", teacherHint.shape)}] vs [{string.Join(", ", studentGuided.shape)}]; pass the student's features through a HintRegressor to match channels.");
        }
        return functional.mse_loss(studentGuided, teacherHint.detach(), Reduction.Mean);
    }

    /// <summary>Regresses the student's guided features with <paramref name="regressor"/>, then <see cref="Compute(Tensor, Tensor)"/>.</summary>
    public static Tensor Compute(Tensor teacherHint, Tensor studentGuided, HintRegressor regressor)
    {
        ArgumentNullException.ThrowIfNull(regressor);
        return Compute(teacherHint, regressor.forward(studentGuided));
    }
}
