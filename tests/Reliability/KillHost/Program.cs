using System.Text.Json;
using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

// Usage: KdLabs.Reliability.KillHost <mnist folder> <student checkpoint folder>; the teacher goes to $KDLABS_CACHE.
// Prints one line "RESULT {json}" with every number the run ends with: both models' SHA-256 and each epoch's metrics.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: KdLabs.Reliability.KillHost <mnist folder> <student checkpoint folder>");
    return 2;
}
set_num_threads(1);
using var train = MnistDataset.Load(train: true, args[0], 256);
using var test = MnistDataset.Load(train: false, args[0], 128);
var teacherOptions = new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 11, EvalBatchSize = 64 };
var teacher = TeacherStore.GetOrTrain("mlp-student", teacherOptions, 0, train, test, TrainingProgress.Silent, Console.Error.WriteLine);
using var logits = TeacherLogitCache.Build(teacher.Model, teacher.Id, train, 64);
manual_seed(5);
using var student = new Mlp(784, [32], 10, 0, "kill-test-student");
var studentOptions = new TrainerOptions { Epochs = 4, BatchSize = 32, Seed = 5, EvalBatchSize = 64, CheckpointDirectory = args[1] };
var history = new Trainer(studentOptions, TrainingProgress.Silent, Console.Error.WriteLine)
    .Fit(student, train, test, new DistillationObjective(new KdLoss(0.5, 4), logits), "student");
var result = new
{
    Teacher = teacher.Id,
    TeacherEpochs = teacher.History.Epochs.Select(e => new { e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestAccuracy }),
    Student = Checkpoint.ReadState(args[1])!.ModelSha256,
    StudentEpochs = history.Epochs.Select(e => new { e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestAccuracy }),
};
Console.WriteLine("RESULT " + JsonSerializer.Serialize(result, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
return 0;
