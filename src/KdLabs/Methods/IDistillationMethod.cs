namespace KdLabs.Methods;

/// <summary>
/// One distillation method: its registry key, what it transfers, its paper, its settings (an options record whose
/// defaults are stated once, there), the named terms of its loss, the student it needs, and how it trains a student:
/// <see cref="Plan"/> turns a lab's <see cref="MethodContext"/> into stages. Registered in <see cref="DistillationMethods"/>;
/// CONTRIBUTING.md has the recipe for adding one.
/// </summary>
public interface IDistillationMethod
{
    /// <summary>Registry and command-line key, e.g. "kd"; results rows and checkpoint folders carry it.</summary>
    string Key { get; }

    /// <summary>Other spellings the registry accepts for <see cref="Key"/>.</summary>
    IReadOnlyList<string> Aliases => [];

    /// <summary>Display name, e.g. "KD (Hinton)".</summary>
    string Title { get; }

    /// <summary>What knowledge it moves from teacher to student, in a few words.</summary>
    string Knowledge { get; }

    /// <summary>Where it comes from, or null for the no-distillation baseline.</summary>
    MethodPaper? Paper { get; }

    /// <summary>The student it trains.</summary>
    StudentKind Student => StudentKind.Network;

    /// <summary>Its settings record (defaults in the record).</summary>
    object Options { get; }

    /// <summary>The terms of its loss, named for logs.</summary>
    IReadOnlyList<LossTerm> Terms { get; }

    /// <summary>Creates the student (and any adapters or peers) and the stages that train it.</summary>
    MethodPlan Plan(MethodContext context);
}
