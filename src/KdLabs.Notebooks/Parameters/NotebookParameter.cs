namespace KdLabs.Notebooks.Parameters;

/// <summary>A variable declared in the cell tagged "parameters".</summary>
/// <param name="Name">The variable name.</param>
/// <param name="Type">Its type, from the declaration or, for <c>var</c>, from the literal.</param>
/// <param name="TypeName">The type as written or inferred ("double", "string", ...), for messages.</param>
/// <param name="DefaultValue">The initializer as written, e.g. <c>0.5</c>.</param>
public sealed record NotebookParameter(string Name, ParameterType Type, string TypeName, string? DefaultValue);
