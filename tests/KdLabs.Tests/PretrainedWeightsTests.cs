using System.Buffers.Binary;
using System.Collections;
using System.Text;
using KdLabs.Infrastructure;
using KdLabs.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// Lesson 03's "start the teacher from ImageNet weights" path: files written by TorchSharp.PyBridge's own writers in
/// PyTorch's format (what torch.save(model.state_dict()) writes) and in safetensors, loaded strictly by name.
/// </summary>
public class PretrainedWeightsTests
{
    [Theory]
    [InlineData("resnet18.pth")]
    [InlineData("resnet18.safetensors")]
    public void AResNet18FileLoadsByNameWithTheHeadExcluded(string name)
    {
        string path = Path.Combine(TestData.TempDirectory(), name);
        manual_seed(1);
        using var source = new ResNet18();
        if (name.EndsWith(".pth", StringComparison.Ordinal))
        {
            source.save_py(path);
        }
        else
        {
            source.save_safetensors(path);
        }
        manual_seed(2);
        using var target = new ResNet18();
        target.ReplaceHead(2);
        var report = PretrainedWeights.LoadInto(target, path, excludePrefixes: ["fc."]);
        Assert.Equal(120, report.Loaded);
        Assert.Equal(["fc.bias", "fc.weight"], report.Excluded);
        var a = source.state_dict();
        var b = target.state_dict();
        Assert.True(a["layer3.1.conv2.weight"].eq(b["layer3.1.conv2.weight"]).all().item<bool>());
        Assert.True(a["layer2.0.downsample.1.running_mean"].eq(b["layer2.0.downsample.1.running_mean"]).all().item<bool>());

        // Without excluding it, the replaced 2-class head does not fit the 1,000-class file, and nothing was copied.
        var before = b["conv1.weight"].clone();
        manual_seed(3);
        using var fresh = new ResNet18();
        fresh.ReplaceHead(2);
        var untouched = fresh.state_dict()["conv1.weight"].clone();
        var e = Assert.Throws<DataFormatException>(() => PretrainedWeights.LoadInto(fresh, path));
        Assert.Equal("fc.weight", e.Field);
        Assert.Contains("[1000, 512]", e.Message);
        Assert.True(fresh.state_dict()["conv1.weight"].eq(untouched).all().item<bool>());
        Assert.True(b["conv1.weight"].eq(before).all().item<bool>());
    }

    [Fact]
    public void TheKitsResNet18IsTorchVisionsResNet18()
    {
        // Same parameter names and shapes, and the same function once given the same weights: the kit keeps its own
        // class only for what lesson 03 needs on top (ReplaceHead, FreezeBackbone with BN kept in eval, Features).
        manual_seed(7);
        using var reference = torchvision.models.resnet18(num_classes: 1000);
        using var kit = new ResNet18();
        var theirs = reference.state_dict();
        var ours = kit.state_dict();
        Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, t) in theirs)
        {
            Assert.Equal(t.shape, ours[key].shape);
        }
        Assert.Equal(11_689_512, kit.parameters().Sum(p => p.numel()));

        string path = Path.Combine(TestData.TempDirectory(), "torchvision-resnet18.pth");
        reference.save_py(path);
        Assert.Equal(122, PretrainedWeights.LoadInto(kit, path).Loaded);
        reference.eval();
        kit.eval();
        using var input = randn(2, 3, 64, 64, generator: new Generator(11));
        using var expected = reference.forward(input);
        using var actual = kit.forward(input);
        Assert.True(expected.allclose(actual, rtol: 1e-5, atol: 1e-6), $"max |Δ| = {(expected - actual).abs().max().item<float>()}");
    }

    [Fact]
    public void ACheckpointWrappingItsStateDictIsUnwrapped()
    {
        string path = Path.Combine(TestData.TempDirectory(), "checkpoint.pt");
        using var source = new ChestXrayStudent(32);
        PyTorchPickler.PickleStateDict(path, new Hashtable { ["state_dict"] = new Hashtable(source.state_dict()) });
        using var target = new ChestXrayStudent(32);
        Assert.Equal(source.state_dict().Count, PretrainedWeights.LoadInto(target, path).Loaded);
        Assert.True(source.state_dict()["fc.weight"].eq(target.state_dict()["fc.weight"]).all().item<bool>());
    }

    [Fact]
    public void MissingExtraAndMisShapedKeysAreErrorsNamingTheKey()
    {
        string dir = TestData.TempDirectory();
        using var student = new ChestXrayStudent(32);
        var state = student.state_dict();
        string Write(string name, IEnumerable<KeyValuePair<string, Tensor>> tensors)
        {
            string path = Path.Combine(dir, name);
            Safetensors.SaveStateDict(path, tensors.ToDictionary());
            return path;
        }

        string missing = Write("missing.safetensors", state.Where(kv => kv.Key != "bn.running_var"));
        Assert.Equal("bn.running_var", Assert.Throws<DataFormatException>(() => PretrainedWeights.LoadInto(student, missing)).Field);

        string extra = Write("extra.safetensors", state.Append(new("head.weight", zeros(2, 2))));
        var e = Assert.Throws<DataFormatException>(() => PretrainedWeights.LoadInto(student, extra));
        Assert.Equal("head.weight", e.Field);
        Assert.Contains("unexpected key", e.Message);

        string shaped = Write("shape.safetensors", state.Select(kv => kv.Key == "conv.weight" ? new KeyValuePair<string, Tensor>(kv.Key, zeros(4, 3, 5, 5)) : kv));
        e = Assert.Throws<DataFormatException>(() => PretrainedWeights.LoadInto(student, shaped));
        Assert.Equal("conv.weight", e.Field);
        Assert.Contains("[4, 3, 5, 5]", e.Message);

        string typed = Write("dtype.safetensors", state.Select(kv => kv.Key == "conv.weight" ? new KeyValuePair<string, Tensor>(kv.Key, kv.Value.to_type(ScalarType.Int64)) : kv));
        Assert.Equal("conv.weight.dtype", Assert.Throws<DataFormatException>(() => PretrainedWeights.LoadInto(student, typed)).Field);

        // num_batches_tracked may be absent; half precision converts to the module's float32; the values then match the file.
        string noCounter = Write("nocounter.safetensors", state.Where(kv => !kv.Key.EndsWith("num_batches_tracked"))
            .Select(kv => kv.Key == "fc.weight" ? new KeyValuePair<string, Tensor>(kv.Key, kv.Value.to_type(ScalarType.BFloat16)) : kv));
        using var other = new ChestXrayStudent(32);
        Assert.Equal(["bn.num_batches_tracked"], PretrainedWeights.LoadInto(other, noCounter).KeptInitial);
        Assert.Equal(ScalarType.Float32, other.state_dict()["fc.weight"].dtype);
        Assert.True(other.state_dict()["fc.weight"].eq(state["fc.weight"].to_type(ScalarType.BFloat16).to_type(ScalarType.Float32)).all().item<bool>());
        Assert.True(other.state_dict()["conv.weight"].eq(state["conv.weight"]).all().item<bool>());
    }

    [Theory]
    [InlineData("length")]
    [InlineData("json")]
    [InlineData("offsets")]
    [InlineData("dtype")]
    [InlineData("truncated-pth")]
    [InlineData("text-pth")]
    [InlineData("extension")]
    public void ADamagedFileIsRejectedNamingTheFileAndLeavesTheModelAlone(string damage)
    {
        string dir = TestData.TempDirectory();
        using var student = new ChestXrayStudent(32);
        string path = Path.Combine(dir, damage.EndsWith("pth", StringComparison.Ordinal) ? "bad.pth" : damage == "extension" ? "bad.onnx" : "bad.safetensors");
        switch (damage)
        {
            case "truncated-pth":
                student.save_py(path);
                File.WriteAllBytes(path, File.ReadAllBytes(path)[..300]);
                break;
            case "text-pth":
            case "extension":
                File.WriteAllText(path, "not weights");
                break;
            default:
                string json = damage switch
                {
                    "json" => "{\"w\": {\"dtype\": \"F32\",",
                    "offsets" => "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}",
                    "dtype" => "{\"w\":{\"dtype\":\"F8_E9\",\"shape\":[2],\"data_offsets\":[0,2]}}",
                    _ => "{}",
                };
                var header = Encoding.UTF8.GetBytes(json);
                var bytes = new byte[8 + header.Length + 16];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, damage == "length" ? 1UL << 40 : (ulong)header.Length);
                header.CopyTo(bytes, 8);
                File.WriteAllBytes(path, bytes);
                break;
        }
        var before = student.state_dict()["conv.weight"].clone();
        var e = Assert.Throws<DataFormatException>(() => PretrainedWeights.LoadInto(student, path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message);
        Assert.Equal(damage == "extension" ? "file name" : "file", e.Field);
        Assert.True(student.state_dict()["conv.weight"].eq(before).all().item<bool>());
    }
}
