using System.Text.Json.Serialization;

namespace KdLabs.Experiments;

/// <summary>The methods of lesson 06's zoo, all on the same teacher, student, data and budget.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ZooMethod>))]
public enum ZooMethod
{
    /// <summary>The student on the labels alone.</summary>
    NoKd,

    /// <summary>Hinton et al. 2015: soft targets at temperature T.</summary>
    Kd,

    /// <summary>Romero et al. 2015: hint stage, then KD.</summary>
    FitNets,

    /// <summary>Zagoruyko &amp; Komodakis 2017: attention maps.</summary>
    AttentionTransfer,

    /// <summary>Yim et al. 2017: flow-of-solution-procedure matrices, then the labels.</summary>
    Fsp,

    /// <summary>The averaged soft labels of several teachers.</summary>
    MultiTeacherAverage,

    /// <summary>One teacher drawn at random per mini-batch.</summary>
    MultiTeacherRandom,

    /// <summary>Zhang et al. 2018: students teaching each other, no pretrained teacher.</summary>
    MutualLearning,

    /// <summary>Zhao et al. 2022: decoupled target / non-target KD.</summary>
    Dkd,
}
