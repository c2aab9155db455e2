namespace KdLabs.Methods;

/// <summary>What kind of student a method can train, so a lab can refuse a method its student cannot run.</summary>
public enum StudentKind
{
    /// <summary>A network returning logits (and, for feature methods, its feature maps through <see cref="Models.IFeatureModel"/>).</summary>
    Network,

    /// <summary>A <see cref="Models.SoftDecisionTree"/> (Frosst &amp; Hinton 2017).</summary>
    SoftTree,
}
