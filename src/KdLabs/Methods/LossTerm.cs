namespace KdLabs.Methods;

/// <summary>One named term of a method's loss, e.g. ("ce", "cross-entropy on the labels"), as logs and <c>kdlabs methods</c> name it.</summary>
/// <param name="Name">Short name for logs.</param>
/// <param name="Formula">What it is, formula first.</param>
public sealed record LossTerm(string Name, string Formula);
