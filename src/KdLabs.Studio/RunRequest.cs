using KdLabs.Experiments;

namespace KdLabs.Studio;

/// <summary>One student run as the page asks for it; every field is optional and defaults to the lab's value.</summary>
public sealed record RunRequest
{
    /// <summary>The page's session: a newer request from the same session cancels the older run.</summary>
    public string? Session { get; init; }

    /// <summary>Weight of the hard-label term (1 = no distillation).</summary>
    public double? Alpha { get; init; }

    /// <summary>Softmax temperature of the soft term.</summary>
    public double? Temperature { get; init; }

    /// <summary>A registered student model name.</summary>
    public string? Student { get; init; }

    /// <summary>Epochs of the student.</summary>
    public int? Epochs { get; init; }

    /// <summary>The student trains on the first N training images.</summary>
    public int? TrainSize { get; init; }

    /// <summary>The first seed of the student's initial weights and data order (the baseline shares it).</summary>
    public int? Seed { get; init; }

    /// <summary>How many seeds, from <see cref="Seed"/> on, each train a distilled student and its baseline (default 3).</summary>
    public int? Seeds { get; init; }

    /// <summary>"mnist".</summary>
    public string? Dataset { get; init; }

    /// <summary>"hinton".</summary>
    public string? Method { get; init; }
}

/// <summary>
/// A run request that passed validation, with every default filled in: <paramref name="Seeds"/> seeds from
/// <paramref name="Seed"/> on, each training a distilled student and its no-KD baseline.
/// </summary>
public sealed record RunSettings(string Session, double Alpha, double Temperature, string Student, int Epochs, int TrainSize, int Seed, string Dataset, string Method, int Seeds = 1)
{
    /// <summary>The same student without distillation: the no-KD baseline of the same seed and budget.</summary>
    public RunSettings Baseline() => this with { Alpha = 1, Temperature = 1, Method = "none" };

    /// <summary>The seeds the run trains, in order: <see cref="Seed"/>, <see cref="Seed"/> + 1, ….</summary>
    public IReadOnlyList<int> SeedList => Enumerable.Range(0, Seeds).Select(i => Seed + i).ToArray();

    /// <summary>The same settings for one seed of the list.</summary>
    public RunSettings ForSeed(int seed) => this with { Seed = seed, Seeds = 1 };
}

/// <summary>A request the studio refuses, naming the field and the fix; the API answers it with a 400.</summary>
public sealed class StudioValidationException(string field, string message) : Exception(message)
{
    /// <summary>The request field at fault (as the page names it).</summary>
    public string Field { get; } = field;
}

/// <summary>Checks a <see cref="RunRequest"/> with the library's own validation and fills in defaults.</summary>
public static class RunValidation
{
    /// <summary>Datasets the studio offers.</summary>
    public static IReadOnlyList<string> Datasets { get; } = ["mnist"];

    /// <summary>Distillation methods the studio offers.</summary>
    public static IReadOnlyList<string> Methods { get; } = ["hinton"];

    /// <summary>Seeds a run trains unless the request says otherwise: three, the fewest whose spread says anything.</summary>
    public const int DefaultSeeds = 3;

    /// <summary>Most seeds one run may ask for (each is two students).</summary>
    public const int MaxSeeds = 10;

    /// <summary>Validates <paramref name="request"/> against the lab's rules and this studio's limits.</summary>
    public static RunSettings Validate(RunRequest request, MnistDistillationOptions lab, IReadOnlyList<string> students, int maxTrainSize, int maxEpochs)
    {
        var settings = new RunSettings(
            string.IsNullOrWhiteSpace(request.Session) ? "default" : request.Session.Trim(),
            request.Alpha ?? lab.Kd.Alpha,
            request.Temperature ?? lab.Kd.Temperature,
            request.Student ?? students[0],
            request.Epochs ?? lab.Training.Epochs,
            request.TrainSize ?? DefaultTrainSize(lab, maxTrainSize),
            request.Seed ?? lab.Lab.FirstSeed,
            (request.Dataset ?? "mnist").ToLowerInvariant(),
            (request.Method ?? "hinton").ToLowerInvariant(),
            request.Seeds ?? DefaultSeeds);
        if (settings.Session.Length > 100)
        {
            throw new StudioValidationException("session", "The session id is longer than 100 characters.");
        }
        if (settings.Seeds is < 1 or > MaxSeeds)
        {
            throw new StudioValidationException("seeds", $"Seeds must be between 1 and {MaxSeeds} (got {settings.Seeds}); {DefaultSeeds} or more show the seed-to-seed spread a gain is judged against.");
        }
        if (settings.Seed > int.MaxValue - settings.Seeds + 1)
        {
            throw new StudioValidationException("seed", $"The seeds {settings.Seed} to {settings.Seed} + {settings.Seeds - 1} run past the largest seed; choose a smaller first seed.");
        }
        try
        {
            // The lab's own checks: KdLoss for α and T, TrainerOptions for epochs and the rest.
            (lab with { Kd = new() { Alpha = settings.Alpha, Temperature = settings.Temperature }, Training = lab.Training with { Epochs = settings.Epochs }, Lab = lab.Lab with { Seeds = settings.SeedList }, TrainLimit = settings.TrainSize }).Validate();
        }
        catch (ArgumentException e)
        {
            throw new StudioValidationException(FieldOf(e.ParamName), Unqualified(FirstLine(e.Message), e.ParamName));
        }
        if (settings.Epochs > maxEpochs)
        {
            throw new StudioValidationException("epochs", $"Epochs must be between 1 and {maxEpochs} in the studio (got {settings.Epochs}); run `kdlabs distill mnist` for longer training.");
        }
        if (settings.TrainSize > maxTrainSize)
        {
            throw new StudioValidationException("trainSize", $"The training-set size must be between 1 and {maxTrainSize:N0}, the images the teacher's logits are cached for (got {settings.TrainSize:N0}).");
        }
        if (!students.Contains(settings.Student))
        {
            throw new StudioValidationException("student", $"Unknown student '{settings.Student}'. Choose one of: {string.Join(", ", students)}.");
        }
        if (!Datasets.Contains(settings.Dataset))
        {
            throw new StudioValidationException("dataset", $"Unknown dataset '{settings.Dataset}'. Choose one of: {string.Join(", ", Datasets)}.");
        }
        if (!Methods.Contains(settings.Method))
        {
            throw new StudioValidationException("method", $"Unknown method '{settings.Method}'. Choose one of: {string.Join(", ", Methods)}.");
        }
        return settings;
    }

    /// <summary>
    /// The training-set size a run gets unless it asks: the lab's transfer set (lesson 02's 1,000 images), or all the
    /// images the teacher's logits cover when the lab has none.
    /// </summary>
    public static int DefaultTrainSize(MnistDistillationOptions lab, int maxTrainSize) => Math.Min(lab.TransferSize ?? maxTrainSize, maxTrainSize);

    // "Training.Epochs must be …" reads "Epochs must be …" on the page, whose field is the setting's last name.
    private static string Unqualified(string message, string? parameter) =>
        parameter is { } p && p.Contains('.', StringComparison.Ordinal) && message.StartsWith(p, StringComparison.Ordinal) ? p[(p.LastIndexOf('.') + 1)..] + message[p.Length..] : message;

    // A nested setting ("Training.Epochs") is its request field by its last name.
    private static string FieldOf(string? parameter) => parameter?[(parameter.LastIndexOf('.') + 1)..].ToLowerInvariant() switch
    {
        "alpha" => "alpha",
        "temperature" => "temperature",
        "epochs" => "epochs",
        "trainlimit" => "trainSize",
        "seeds" => "seed",
        _ => parameter ?? "request",
    };

    // ArgumentOutOfRangeException appends "(Parameter 'x')" and "Actual value was …" lines; the page shows the sentence.
    private static string FirstLine(string message)
    {
        string first = message.Split('\n')[0].Trim();
        int p = first.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return p > 0 ? first[..p] : first;
    }
}
