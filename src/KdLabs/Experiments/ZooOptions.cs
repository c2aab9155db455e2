using KdLabs.Datasets;
using KdLabs.Infrastructure;
using KdLabs.Methods;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>
/// Settings of the method zoo (lesson 06): MNIST (or another 28×28, ten-class set: <see cref="Dataset"/>), lesson 02's CNN teacher,
/// student and regime (the course teacher, a transfer set of 1,000 labelled images, 10 epochs, KD at α 0.5 and T 8), and one
/// budget for every method: <see cref="Training"/>'s epochs, passes over the transfer set (two-stage methods spend
/// <see cref="StageOneEpochs"/> of them on their first stage), the same optimizer, batch size and seeds.
/// </summary>
public sealed record ZooOptions : ILabOptions<ZooOptions>
{
    /// <summary>Lesson 06's nine methods, in the order its tables list them: the default of <see cref="Methods"/>.</summary>
    public static IReadOnlyList<string> LessonMethods { get; } = ["none", "kd", "fitnets", "at", "fsp", "mt-avg", "mt-random", "dml", "dkd"];

    /// <summary>Output, data, seeds (every method runs every seed), threads, device, smoke mode.</summary>
    public LabSettings Lab { get; init; } = new() { OutputDirectory = Path.Combine("runs", "zoo-mnist") };

    /// <summary>Registry keys (<see cref="DistillationMethods"/>) of the methods to run, in this order; each with its registered default settings.</summary>
    public IReadOnlyList<string> Methods { get; init; } = LessonMethods;

    /// <summary>
    /// α and T of the <c>kd</c> method: lesson 02's, chosen on validation in this regime (same teacher, transfer set and
    /// epochs); the other methods, FitNets' KD stage and the multi-teacher rows included, keep their registered settings.
    /// </summary>
    public KdOptions Kd { get; init; } = MnistDistillationOptions.SmallTransferSet.Kd;

    /// <summary>The registered method of <paramref name="key"/> with this zoo's settings: <c>kd</c> with <see cref="Kd"/>.</summary>
    public IDistillationMethod Method(string key)
    {
        var method = DistillationMethods.Get(key);
        return method is KdMethod ? new KdMethod(Kd) : method;
    }

    /// <summary>Every student's training, whatever the method: passes over the transfer set, batch size, Adam learning rate, schedule (lesson 02's).</summary>
    public TrainingSettings Training { get; init; } = MnistDistillationOptions.SmallTransferSet.Training;

    /// <summary>Of <see cref="Training"/>'s epochs, the passes FitNets and FSP spend on their first (feature) stage: about a third, as the papers' recipes do.</summary>
    public int StageOneEpochs { get; init; } = 3;

    /// <summary>
    /// Teacher epochs on the first <see cref="TeacherImages"/> training images; with the defaults the first teacher is the
    /// course teacher (lesson 02's, <see cref="MnistDistillationOptions.SmallTransferSet"/>), shared through the teacher cache.
    /// </summary>
    public int TeacherEpochs { get; init; } = MnistDistillationOptions.SmallTransferSet.TeacherEpochs ?? 1;

    /// <summary>Every teacher trains on the first N training images (null: all of them); the course teacher's 20,000 by default.</summary>
    public int? TeacherImages { get; init; } = MnistDistillationOptions.SmallTransferSet.TeacherImages;

    /// <summary>
    /// The students' transfer set: the first N training images, labelled (null: all of them). Lesson 02's 1,000 by default,
    /// where soft targets carry what the labels cannot, so the methods have something to differ on.
    /// </summary>
    public int? TransferSize { get; init; } = MnistDistillationOptions.SmallTransferSet.TransferSize;

    /// <summary>Teachers in the multi-teacher ensemble: the CNN teacher trained with seeds 1 … N. The other methods use the first.</summary>
    public int TeacherCount { get; init; } = 3;

    /// <summary>Use only the first N training images (null: all 60,000).</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Use only the first N test images (null: all 10,000).</summary>
    public int? TestLimit { get; init; }

    /// <summary>The <see cref="DatasetRegistry"/> key of the images: "mnist" (lesson 06) or "fashion-mnist"; any 1×28×28 ten-class set fits the CNNs.</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>True when the zoo's CNNs take <paramref name="dataset"/>'s images: 1×28×28 in ten classes.</summary>
    public static bool Fits(IImageClassificationDataset dataset) => MnistDistillationOptions.Fits(dataset);

    /// <summary>The data set <see cref="Dataset"/> names.</summary>
    public IImageClassificationDataset DatasetInfo() => DatasetRegistry.Get(Dataset);

    /// <summary>These options, shrunk when <see cref="LabSettings.Smoke"/> is set.</summary>
    public ZooOptions Effective() => Lab.Smoke
        ? this with
        {
            TrainLimit = Math.Min(TrainLimit ?? 1000, 1000), TestLimit = Math.Min(TestLimit ?? 500, 500), Training = Training with { Epochs = 2 }, StageOneEpochs = 1,
            TransferSize = Math.Min(TransferSize ?? 500, 500),
            TeacherEpochs = 1, TeacherCount = Math.Min(TeacherCount, 2), Lab = Lab with { Seeds = [Lab.FirstSeed] },
        }
        : this;

    /// <summary>
    /// Trainer settings of a student run (or stage) of <paramref name="epochs"/> epochs. On a small transfer set an epoch is a
    /// few dozen steps and a pass over the test set costs more than it, so the test set is read at mid-run and at the end
    /// only, as lesson 02 does (the results do not depend on it).
    /// </summary>
    public TrainerOptions Trainer(int epochs, int seed) => Training.Trainer(seed) with
    {
        Epochs = epochs, EvaluateEvery = TransferSize is null ? 1 : Math.Max(1, epochs / 2),
    };

    /// <summary>Trainer settings of ensemble teacher <paramref name="index"/> (0-based), seeded index + 1: the course teacher's recipe with <see cref="TeacherEpochs"/>.</summary>
    public TrainerOptions TeacherTrainer(int index) => Training.Trainer(index + 1) with { Epochs = TeacherEpochs };

    /// <summary>Throws with a message naming the setting when one is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(ValidateSettings);

    private void ValidateSettings()
    {
        var data = DatasetInfo();
        if (!Fits(data))
        {
            throw new ArgumentException($"Data set '{data.Key}' has {data.InputShape} images in {data.ClassNames.Count} classes; the zoo's CNNs take 1×28×28 images in ten classes ({string.Join(", ", DatasetRegistry.All.Where(Fits).Select(d => d.Key))}).", nameof(Dataset));
        }
        Lab.Validate();
        Kd.Validate();
        OptionsValidation.List(Methods, nameof(Methods));
        Training.Validate(minEpochs: 2, epochsMeaning: "at least 2, so two-stage methods have a second stage");
        Require(StageOneEpochs >= 1 && StageOneEpochs < Training.Epochs, nameof(StageOneEpochs), StageOneEpochs, "at least 1 and less than Training.Epochs");
        OptionsValidation.Between(TeacherEpochs, 1, OptionsValidation.MaxEpochs, nameof(TeacherEpochs));
        OptionsValidation.Between(TeacherCount, 2, 10, nameof(TeacherCount), "teachers of the multi-teacher ensemble, each trained once");
        OptionsValidation.Between(TeacherImages, 1, OptionsValidation.MaxImages, nameof(TeacherImages), "leave it unset for every training image");
        OptionsValidation.Between(TransferSize, 1, OptionsValidation.MaxImages, nameof(TransferSize), "leave it unset for every training image");
        OptionsValidation.Between(TrainLimit, 1, OptionsValidation.MaxImages, nameof(TrainLimit));
        OptionsValidation.Between(TestLimit, 1, OptionsValidation.MaxImages, nameof(TestLimit));
        foreach (var key in Methods)
        {
            var method = DistillationMethods.Get(key);
            if (method.Student != StudentKind.Network)
            {
                throw new ArgumentException($"Method '{method.Key}' trains a {method.Student} student; the zoo's student is the CNN. Choose methods from: {string.Join(", ", ZooCapable().Select(m => m.Key))}.", nameof(Methods));
            }
        }
        Trainer(Training.Epochs, 1).Validate();
    }

    /// <summary>Every registered method the zoo's CNN student can train.</summary>
    public static IReadOnlyList<IDistillationMethod> ZooCapable() => DistillationMethods.All.Where(m => m.Student == StudentKind.Network).ToList();

    /// <summary>
    /// Parses a comma-separated list of registry keys or aliases ("kd,at,dkd") into keys (an empty entry or one typed twice
    /// is refused; a method that "lesson" or "all" already brings is listed once); "lesson" is
    /// <see cref="LessonMethods"/> and "all" every method the zoo can train (the lesson's and any registered since).
    /// </summary>
    /// <remarks>Its errors are a user's setting (marked like <see cref="Validate"/>'s), not a bug.</remarks>
    public static IReadOnlyList<string> ParseMethods(string text)
    {
        var keys = new List<string>();
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        // Refused as every list setting is: an empty entry ("kd,,at", a trailing comma) or an entry typed twice.
        if (items.Any(i => i.Length == 0) && items.Any(i => i.Length > 0))
        {
            throw OptionsValidation.Mark(new ArgumentException($"The method list '{text}' has an empty entry; give e.g. none,kd,at.", nameof(Methods)));
        }
        if (items.GroupBy(i => i.ToLowerInvariant()).FirstOrDefault(g => g.Key.Length > 0 && g.Count() > 1) is { } twice)
        {
            throw OptionsValidation.Mark(new ArgumentException($"The method list '{text}' lists {twice.Key} twice; list each method once.", nameof(Methods)));
        }
        foreach (var item in items.Where(i => i.Length > 0))
        {
            IEnumerable<string> add = item.ToLowerInvariant() switch
            {
                "all" => ZooCapable().Select(m => m.Key),
                "lesson" => LessonMethods,
                _ => [(DistillationMethods.Find(item) ?? throw OptionsValidation.Mark(new ArgumentException($"Unknown method '{item}'. Valid keys: {DistillationMethods.KeyList}; or lesson, or all.", nameof(Methods)))).Key],
            };
            keys.AddRange(add.Where(k => !keys.Contains(k)).ToList());
        }
        return keys.Count > 0 ? keys : throw OptionsValidation.Mark(new ArgumentException("The method list names no method; give e.g. none,kd,at, lesson or all.", nameof(Methods)));
    }

    private static void Require(bool ok, string name, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {expected}.");
        }
    }
}
