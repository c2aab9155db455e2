using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// A loss written by the learner for a feature method: the student's and the teacher's forward passes with their named
/// feature maps (<see cref="FeatureOutput"/>; the teacher's without gradient) and the labels in, one number to minimise
/// out. Implement it in a notebook cell; <see cref="LearnerFeatureObjective"/> trains a student with it.
/// </summary>
public interface IFeatureLoss
{
    /// <summary>The whole loss the student minimises for one batch (add the labels' cross-entropy yourself if you want it).</summary>
    Tensor Compute(FeatureOutput student, FeatureOutput teacher, Tensor labels);

    /// <summary>
    /// Modules the loss trains alongside the student and that the deployed student does not carry, such as FitNets'
    /// regressor from the student's channels to the teacher's: the optimizer updates them with the student and the
    /// checkpoint holds them. None by default. They stay the loss's own: build a new loss (and new modules) for each run.
    /// </summary>
    IReadOnlyList<nn.Module<Tensor, Tensor>> Adapters => [];
}
