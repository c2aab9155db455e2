namespace KdLabs.Training;

/// <summary>Optimizers the trainer can build.</summary>
public enum OptimizerKind
{
    /// <summary>Adam (Kingma &amp; Ba 2015).</summary>
    Adam,

    /// <summary>AdamW, Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019).</summary>
    AdamW,

    /// <summary>SGD with (Nesterov-free) momentum.</summary>
    Sgd,
}
