namespace KdLabs.Studio;

/// <summary>Where the studio's start stands: the page is served from the first phase on, training from <see cref="Ready"/>.</summary>
public enum StudioPhase
{
    /// <summary>Nothing started yet.</summary>
    Starting,

    /// <summary>Loading (or fetching) MNIST.</summary>
    LoadingData,

    /// <summary>Loading the cached teacher, or training it (epoch by epoch).</summary>
    TrainingTeacher,

    /// <summary>The teacher's logits on the training images: read from the cache folder, or computed once.</summary>
    TeacherLogits,

    /// <summary>The engine is up: runs may be submitted.</summary>
    Ready,

    /// <summary>The start failed; <see cref="StudioStatus.Error"/> says why.</summary>
    Failed,

    /// <summary>The studio stopped before the start finished.</summary>
    Stopped,
}
