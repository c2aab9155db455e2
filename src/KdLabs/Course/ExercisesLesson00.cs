namespace KdLabs.Course;

public static partial class Exercises
{
    /// <summary>Checks for lesson 00 (why distill).</summary>
    public static class Lesson00
    {
        private const string CompressionTitle = "Lesson 00, exercise 1: what distillation changes";
        private const string KnowledgeTitle = "Lesson 00, exercise 2: which knowledge a method transfers";

        /// <summary>The choices of <see cref="Compression"/>.</summary>
        public static IReadOnlyDictionary<char, string> CompressionChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "It removes the teacher's smallest weights and keeps its architecture.",
            ['b'] = "It stores the teacher's weights in 8 bits instead of 32.",
            ['c'] = "It trains a different, smaller network to reproduce the teacher's outputs.",
            ['d'] = "It needs no training: the student is computed from the teacher's weights.",
        };

        /// <summary>Exercise 1 (multiple choice, see <see cref="CompressionChoices"/>): how distillation differs from pruning and quantization. '?' is "not answered yet".</summary>
        public static ExerciseResult Compression(char answer) => MultipleChoice.Check(CompressionTitle, answer, 'c', new Dictionary<char, string>
        {
            ['c'] = "the student's architecture is free (fewer layers, narrower, even a soft decision tree in lesson 04), and it is trained, on the teacher's outputs. " +
                "Pruning and quantization shrink the teacher itself; the three combine (distil, then prune or quantize the student).",
            ['a'] = "that is pruning: the same network with weights (or channels) removed, usually fine-tuned afterwards.",
            ['b'] = "that is quantization: the same network in fewer bits per weight.",
            ['d'] = "the student is trained: on the teacher's soft targets (and usually the labels), for as many epochs as a normal training run.",
        });

        /// <summary>The choices of <see cref="Knowledge"/>.</summary>
        public static IReadOnlyDictionary<char, string> KnowledgeChoices { get; } = new Dictionary<char, string>
        {
            ['a'] = "Response-based: the teacher's output distribution.",
            ['b'] = "Feature-based: the teacher's intermediate feature maps.",
            ['c'] = "Relation-based: relations between layers or between samples.",
            ['d'] = "None: it trains on the labels alone.",
        };

        /// <summary>Exercise 2 (multiple choice, see <see cref="KnowledgeChoices"/>): the kind of knowledge attention transfer moves. '?' is "not answered yet".</summary>
        public static ExerciseResult Knowledge(char answer) => MultipleChoice.Check(KnowledgeTitle, answer, 'b', new Dictionary<char, string>
        {
            ['b'] = "attention transfer matches where the teacher's feature maps are active (lesson 06); Hinton's KD is response-based, FSP relation-based (relations between two layers' features).",
            ['a'] = "that is Hinton's KD (lessons 01 and 02): soft targets from the output layer. Attention transfer looks inside the network.",
            ['c'] = "relation-based methods compare pairs (of layers, as FSP does, or of samples); attention transfer compares one layer's maps, student against teacher.",
            ['d'] = "it does use the labels (cross-entropy), but adds a term pulling the student's attention maps towards the teacher's.",
        });
    }
}
