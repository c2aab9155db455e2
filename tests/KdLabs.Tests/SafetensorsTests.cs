using System.Buffers.Binary;
using System.Text;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Tests;

public class SafetensorsTests
{
    [Fact]
    public void TensorsOfEveryWrittenDtypeRoundTrip()
    {
        string path = Path.Combine(TestData.TempDirectory(), "mixed.safetensors");
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = tensor(new[] { 1.5f, -2f, 3.25f, 0f, 7f, 8f }).view(2, 3),
            ["f16"] = tensor(new[] { 0.5f, -1.25f }).to_type(ScalarType.Float16),
            ["bf16"] = tensor(new[] { 2f, -0.75f }).to_type(ScalarType.BFloat16),
            ["i64"] = tensor(new[] { 1L, -5L, long.MaxValue }),
            ["scalar"] = tensor(3.0),
        };
        SafetensorsFile.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        Assert.Equal(0, (new FileInfo(path).Length - 8 - (long)BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path))) % 2);
        var back = SafetensorsFile.Read(path);
        Assert.Equal(tensors.Keys.Order(), back.Keys.Order());
        foreach (var (key, t) in tensors)
        {
            Assert.Equal(t.dtype, back[key].dtype);
            Assert.Equal(t.shape, back[key].shape);
            Assert.True(t.eq(back[key]).all().item<bool>(), key);
        }
        Assert.Equal(["bf16", "f16", "f32", "i64", "scalar"], SafetensorsFile.ReadHeader(path).Select(e => e.Name).Order());
    }

    [Fact]
    public void AResNet18CheckpointLoadsByNameWithTheHeadExcluded()
    {
        string path = Path.Combine(TestData.TempDirectory(), "resnet18.safetensors");
        manual_seed(1);
        using var source = new ResNet18();
        SafetensorsFile.Save(path, source);
        manual_seed(2);
        using var target = new ResNet18();
        target.ReplaceHead(2);
        var report = SafetensorsLoader.LoadInto(target, path, excludePrefixes: ["fc."]);
        Assert.Equal(120, report.Loaded);
        Assert.Equal(["fc.bias", "fc.weight"], report.Excluded);
        var a = source.state_dict();
        var b = target.state_dict();
        Assert.True(a["layer3.1.conv2.weight"].eq(b["layer3.1.conv2.weight"]).all().item<bool>());
        Assert.True(a["layer2.0.downsample.1.running_mean"].eq(b["layer2.0.downsample.1.running_mean"]).all().item<bool>());

        // Without excluding it, the replaced 2-class head does not fit the 1,000-class file.
        var e = Assert.Throws<DataFormatException>(() => SafetensorsLoader.LoadInto(target, path));
        Assert.Equal("fc.weight", e.Field);
        Assert.Contains("[1000, 512]", e.Message);
    }

    [Fact]
    public void MissingExtraAndMisShapedKeysAreErrorsNamingTheKey()
    {
        string dir = TestData.TempDirectory();
        using var student = new ChestXrayStudent(32);
        var state = student.state_dict();

        string missing = Path.Combine(dir, "missing.safetensors");
        SafetensorsFile.Write(missing, state.Where(kv => kv.Key != "bn.running_var"));
        Assert.Equal("bn.running_var", Assert.Throws<DataFormatException>(() => SafetensorsLoader.LoadInto(student, missing)).Field);

        string extra = Path.Combine(dir, "extra.safetensors");
        SafetensorsFile.Write(extra, state.Append(new("head.weight", zeros(2, 2))));
        var e = Assert.Throws<DataFormatException>(() => SafetensorsLoader.LoadInto(student, extra));
        Assert.Equal("head.weight", e.Field);
        Assert.Contains("unexpected key", e.Message);

        string shaped = Path.Combine(dir, "shape.safetensors");
        SafetensorsFile.Write(shaped, state.Select(kv => kv.Key == "conv.weight" ? new KeyValuePair<string, Tensor>(kv.Key, zeros(4, 3, 5, 5)) : kv));
        e = Assert.Throws<DataFormatException>(() => SafetensorsLoader.LoadInto(student, shaped));
        Assert.Equal("conv.weight", e.Field);
        Assert.Contains("[4, 3, 5, 5]", e.Message);

        // num_batches_tracked may be absent; the loaded values then match the file.
        string noCounter = Path.Combine(dir, "nocounter.safetensors");
        SafetensorsFile.Write(noCounter, state.Where(kv => !kv.Key.EndsWith("num_batches_tracked")));
        using var other = new ChestXrayStudent(32);
        Assert.Equal(["bn.num_batches_tracked"], SafetensorsLoader.LoadInto(other, noCounter).KeptInitial);
        Assert.True(other.state_dict()["fc.weight"].eq(state["fc.weight"]).all().item<bool>());
    }

    [Theory]
    [InlineData("length", "header length")]
    [InlineData("json", "header JSON")]
    [InlineData("offsets", "w.data_offsets")]
    [InlineData("dtype", "w.dtype")]
    public void ABadHeaderIsRejectedNamingTheField(string damage, string field)
    {
        string path = Path.Combine(TestData.TempDirectory(), "bad.safetensors");
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
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Read(path));
        Assert.Equal(field, e.Field);
        Assert.Contains(path, e.Message);
    }
}
