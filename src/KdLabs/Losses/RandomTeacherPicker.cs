using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Losses;

/// <summary>
/// The random-teacher variant of multi-teacher distillation (Fukuda et al. 2017, "Efficient Knowledge
/// Distillation from an Ensemble of Teachers"): each mini-batch is distilled from one teacher drawn
/// uniformly at random, so only one teacher runs per step instead of all of them. The draw is a pure
/// function of (seed, step), not a running RNG, so a resumed run or a re-run batch gets the same teacher.
/// </summary>
public sealed class RandomTeacherPicker
{
    /// <summary>Creates a picker over <paramref name="teacherCount"/> ≥ 1 teachers.</summary>
    public RandomTeacherPicker(int teacherCount, int seed)
    {
        if (teacherCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(teacherCount), teacherCount, "At least one teacher is needed.");
        }
        TeacherCount = teacherCount;
        Seed = seed;
    }

    /// <summary>Number of teachers to choose from.</summary>
    public int TeacherCount { get; }

    /// <summary>The run seed.</summary>
    public int Seed { get; }

    /// <summary>The teacher (0 … count − 1) for global step <paramref name="step"/>.</summary>
    public int TeacherFor(long step)
    {
        if (step < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "Steps are counted from 0.");
        }
        // Mix returns a non-negative 31-bit value; the modulo bias for a handful of teachers is ~1e-9.
        return SeedMixer.Mix(Seed, 0x7EAC4E5, step) % TeacherCount;
    }
}
