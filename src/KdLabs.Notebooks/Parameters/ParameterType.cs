namespace KdLabs.Notebooks.Parameters;

/// <summary>The C# types a notebook parameter can have.</summary>
public enum ParameterType
{
    /// <summary>Type not supported or not inferable; such a parameter cannot be set from outside.</summary>
    Unsupported,

    /// <summary><c>bool</c></summary>
    Bool,

    /// <summary><c>int</c></summary>
    Int,

    /// <summary><c>long</c></summary>
    Long,

    /// <summary><c>float</c></summary>
    Float,

    /// <summary><c>double</c></summary>
    Double,

    /// <summary><c>decimal</c></summary>
    Decimal,

    /// <summary><c>string</c></summary>
    String,
}
