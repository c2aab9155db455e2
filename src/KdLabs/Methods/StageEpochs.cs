namespace KdLabs.Methods;

/// <summary>Which share of the lab's epoch budget a stage trains for; the lab turns it into a count.</summary>
public enum StageEpochs
{
    /// <summary>The whole budget (single-stage methods).</summary>
    All,

    /// <summary>The lab's first-stage epochs (e.g. the zoo's <c>StageOneEpochs</c>).</summary>
    StageOne,

    /// <summary>The budget left after stage one.</summary>
    Rest,
}
