// Loader tests through the public API (Model::from_buffer, Model::load,
// load_npy, load_tensor_file, save_npy) on hand-built protobuf bytes: every
// malformed file must give a vireo::Error, never a crash, a hang or a huge
// allocation; well-formed ones must decode exactly.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/graph/model_data.hpp"
#include "vireo/vireo.hpp"

namespace {

// ---- a tiny protobuf encoder ------------------------------------------------

using Bytes = std::string;

enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

Bytes varint(uint64_t v) {
    Bytes out;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        out.push_back(char(v ? (b | 0x80) : b));
    } while (v);
    return out;
}
Bytes key(uint32_t field, uint32_t wire) { return varint(uint64_t(field) << 3 | wire); }
Bytes fvarint(uint32_t field, int64_t v) { return key(field, kVarint) + varint(uint64_t(v)); }
Bytes fbytes(uint32_t field, const Bytes& b) { return key(field, kLen) + varint(b.size()) + b; }
Bytes ffixed32(uint32_t field, uint32_t v) { return key(field, kFixed32) + Bytes(reinterpret_cast<char*>(&v), 4); }
template <class T>
Bytes raw_of(const std::vector<T>& v) {
    return Bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}
Bytes packed_varints(uint32_t field, const std::vector<int64_t>& v) {
    Bytes b;
    for (int64_t x : v) b += varint(uint64_t(x));
    return fbytes(field, b);
}

// TensorProto fields: dims=1 data_type=2 float_data=4 int32_data=5 int64_data=7
// name=8 raw_data=9 double_data=10 uint64_data=11 external_data=13 data_location=14.
Bytes tensor(const std::string& name, const std::vector<int64_t>& dims, int dtype, const Bytes& payload) {
    Bytes b;
    if (!dims.empty()) b += packed_varints(1, dims);
    b += fvarint(2, dtype);
    if (!name.empty()) b += fbytes(8, name);
    return b + payload;
}
Bytes raw(const Bytes& data) { return fbytes(9, data); }

Bytes tensor_type(int elem, const std::vector<int64_t>& dims) {
    Bytes shape;
    for (int64_t d : dims) shape += fbytes(1, fvarint(1, d));
    return fbytes(1, fvarint(1, elem) + fbytes(2, shape));  // TypeProto.tensor_type
}
Bytes value_info(const std::string& name, const Bytes& type) { return fbytes(1, name) + fbytes(2, type); }
Bytes node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
           const Bytes& attrs = "") {
    Bytes b;
    for (auto& i : in) b += fbytes(1, i);
    for (auto& o : out) b += fbytes(2, o);
    return b + fbytes(3, op + "_node") + fbytes(4, op) + attrs;
}
struct GraphParts {
    std::vector<Bytes> nodes, inits, inputs, outputs, value_infos;
};
Bytes graph(const GraphParts& p) {
    Bytes b;
    for (auto& n : p.nodes) b += fbytes(1, n);
    b += fbytes(2, "g");
    for (auto& t : p.inits) b += fbytes(5, t);
    for (auto& v : p.inputs) b += fbytes(11, v);
    for (auto& v : p.outputs) b += fbytes(12, v);
    for (auto& v : p.value_infos) b += fbytes(13, v);
    return b;
}
// ir_version, producer, graph, then the opset import last: every strict prefix
// of such a model lacks the opset import or part of the graph.
Bytes model(const Bytes& g, const std::string& producer = "loader_test", int opset = 13) {
    return fvarint(1, 8) + fbytes(2, producer) + fbytes(7, g) + fbytes(8, fvarint(2, opset));
}

// y = x + k with x: float[1,4] and the initializer k: float[4] given by `k_tensor`.
Bytes add_model(const Bytes& k_tensor, const std::string& producer = "loader_test") {
    GraphParts p;
    p.nodes = {node("Add", {"x", "k"}, {"y"})};
    p.inits = {k_tensor};
    p.inputs = {value_info("x", tensor_type(1, {1, 4}))};
    p.outputs = {value_info("y", tensor_type(1, {1, 4}))};
    return model(graph(p), producer);
}
constexpr double kPi = 3.141592653589793;
const std::vector<float> kK = {1.5f, -2.f, 0.25f, 8.f};
Bytes valid_model() { return add_model(tensor("k", {4}, 1, raw(raw_of(kK)))); }

vireo::Options one_thread() {
    vireo::Options o;
    o.threads = 1;
    return o;
}

vireo::Model from(const Bytes& b, const std::string& base_dir = "") {
    return vireo::Model::from_buffer(b.data(), b.size(), base_dir);
}

std::vector<float> run_add(const vireo::Model& m) {
    vireo::Session s(m, one_thread());
    auto out = s.run({vireo::Tensor::from_vector<float>({1, 4}, {1, 2, 3, 4})});
    const float* p = out.at(0).data<float>();
    return std::vector<float>(p, p + out[0].numel());
}

// Expects a vireo::Error whose message contains `needle` (case-sensitive).
template <class F>
void expect_error(F&& f, const std::string& needle) {
    try {
        f();
        ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
    } catch (const vireo::Error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << "message: " << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "multi-line message: " << e.what();
    }
}

// ---- temp files ---------------------------------------------------------

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/vireo_loader_test_XXXXXX";
        char* p = mkdtemp(tmpl);
        if (!p) std::abort();
        path = p;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

void write_file(const std::string& path, const Bytes& b) {
    std::ofstream os(path, std::ios::binary | std::ios::trunc);
    os.write(b.data(), std::streamsize(b.size()));
    ASSERT_TRUE(bool(os)) << path;
}

// ---- external data --------------------------------------------------------

Bytes external_tensor(const std::string& location, const std::string& offset = "", const std::string& length = "",
                      std::vector<int64_t> dims = {4}) {
    auto entry = [](const std::string& k, const std::string& v) { return fbytes(13, fbytes(1, k) + fbytes(2, v)); };
    Bytes ext = entry("location", location);
    if (!offset.empty()) ext += entry("offset", offset);
    if (!length.empty()) ext += entry("length", length);
    return tensor("k", dims, 1, ext + fvarint(14, 1));
}

}  // namespace

// ---- well-formed models ---------------------------------------------------

TEST(Loader, ValidModelLoadsAndRuns) {
    vireo::Model m = from(valid_model());
    ASSERT_EQ(m.inputs().size(), 1u);
    EXPECT_EQ(m.inputs()[0].name, "x");
    EXPECT_EQ(m.inputs()[0].shape, (vireo::Shape{1, 4}));
    EXPECT_EQ(m.outputs().size(), 1u);
    EXPECT_EQ(m.opset(), 13);
    EXPECT_EQ(m.ir_version(), 8);
    EXPECT_EQ(m.node_count(), 1u);
    EXPECT_EQ(run_add(m), (std::vector<float>{2.5f, 0.f, 3.25f, 12.f}));
}

// ---- truncation and corruption ------------------------------------------

TEST(Loader, EveryStrictPrefixThrows) {
    const Bytes b = valid_model();
    for (size_t n = 0; n < b.size(); ++n)
        EXPECT_THROW(vireo::Model::from_buffer(b.data(), n), vireo::Error) << "prefix of " << n << " bytes";
    EXPECT_NO_THROW(from(b));
}

// Overwriting any one byte must give either a model (which then runs or
// throws vireo::Error) or a vireo::Error: never a crash or another exception.
TEST(Loader, SingleByteCorruptionNeverCrashes) {
    const Bytes b = valid_model();
    int loaded = 0, refused = 0;
    for (size_t i = 0; i < b.size(); ++i)
        for (uint8_t v : {0x00, 0x01, 0x07, 0x7f, 0x80, 0xff}) {
            if (uint8_t(b[i]) == v) continue;
            Bytes c = b;
            c[i] = char(v);
            try {
                vireo::Model m = from(c);
                ++loaded;
                vireo::Session s(m, one_thread());
                std::vector<vireo::Tensor> in;
                for (auto& vi : m.inputs()) {
                    vireo::Shape sh;
                    for (int64_t d : vi.shape) sh.push_back(d < 0 ? 1 : std::min<int64_t>(d, 64));
                    in.push_back(vireo::Tensor::zeros(vi.dtype == vireo::DType::Undefined ? vireo::DType::Float32 : vi.dtype, sh));
                }
                s.run(in);
            } catch (const vireo::Error&) {
                ++refused;
            }
        }
    EXPECT_GT(refused, 0);
}

TEST(Loader, EmptyAndNullBuffers) {
    expect_error([] { vireo::Model::from_buffer(nullptr, 0); }, "empty");
    expect_error([] { vireo::Model::from_buffer("", 0); }, "empty");
    expect_error([] { vireo::Model::from_buffer(nullptr, 10); }, "null");
}

TEST(Loader, BadVarints) {
    const Bytes m = valid_model();
    expect_error([&] { from(Bytes("\x08") + Bytes(10, '\xff') + "\x01" + m); }, "varint");  // 11-byte varint
    expect_error([&] { from(m + "\x08\xff\xff"); }, "truncated varint");
    expect_error([&] { from(Bytes(11, '\xff')); }, "varint");  // the key itself
    expect_error([&] { from(Bytes("\x08\x80")); }, "truncated varint");
    // A varint inside a packed field that runs off the end of the field.
    expect_error([&] { from(add_model(tensor("k", {4}, 7, fbytes(7, "\x01\xff")))); }, "varint");
}

TEST(Loader, BadWireTypesAndFieldNumbers) {
    const Bytes m = valid_model();
    for (uint32_t wt : {3u, 4u, 6u, 7u}) expect_error([&] { from(key(9, wt) + Bytes(16, '\0') + m); }, "wire type");
    expect_error([&] { from(Bytes("\x02\x00", 2) + m); }, "field number");  // field 0
    expect_error([&] { from(key(1u << 29, kVarint) + "\x01" + m); }, "field number");  // beyond 2^29-1
    expect_error([&] { from(fvarint(1, 8) + fvarint(7, 5)); }, "wire type");           // graph as a varint
    // float attribute sent as fixed64
    GraphParts p;
    p.nodes = {node("LeakyRelu", {"x"}, {"y"}, fbytes(5, fbytes(1, "alpha") + key(2, kFixed64) + Bytes(8, '\0')))};
    p.inputs = {value_info("x", tensor_type(1, {1, 4}))};
    p.outputs = {value_info("y", tensor_type(1, {1, 4}))};
    expect_error([&] { from(model(graph(p))); }, "wire type");
}

TEST(Loader, LengthsPastTheEnd) {
    expect_error([] { from(fvarint(1, 8) + key(7, kLen) + varint(1000) + "\x0a\x00"); }, "past the end");
    expect_error([] { from(key(7, kLen) + varint(uint64_t(1) << 63) + Bytes(32, '\0')); }, "past the end");
    expect_error([] { from(key(7, kLen) + varint(~uint64_t(0)) + Bytes(32, '\0')); }, "past the end");
    // Inner message longer than its (valid) enclosing message.
    expect_error([] { from(model(fbytes(2, "g") + key(1, kLen) + varint(50) + "\x0a")); }, "past the end");
    expect_error([] { from(add_model(tensor("k", {2}, 1, fbytes(4, Bytes(7, '\0'))))); }, "multiple of 4");
    expect_error([] { from(add_model(tensor("k", {2}, 11, fbytes(10, Bytes(15, '\0'))))); }, "multiple of 8");
}

TEST(Loader, StructuralErrors) {
    expect_error([] { from(fvarint(1, 8) + fbytes(8, fvarint(2, 13))); }, "no graph");
    Bytes g = graph({{node("Relu", {"x"}, {"y"})}, {}, {value_info("x", tensor_type(1, {1, 4}))},
                     {value_info("y", tensor_type(1, {1, 4}))}, {}});
    expect_error([&] { from(model(g) + fbytes(7, g)); }, "more than one graph");
    expect_error([&] { from(fvarint(1, 8) + fbytes(7, g)); }, "opset");  // IR 8 without an opset import
    expect_error([&] { from(model(g, "p", 99)); }, "opset 99");
    EXPECT_NO_THROW(from(model(g)));
    // cycle: a = x + b; b = relu(a)
    GraphParts c;
    c.nodes = {node("Add", {"x", "b"}, {"a"}), node("Relu", {"a"}, {"b"}), node("Identity", {"a"}, {"y"})};
    c.inputs = {value_info("x", tensor_type(1, {1, 4}))};
    c.outputs = {value_info("y", tensor_type(1, {1, 4}))};
    expect_error([&] { from(model(graph(c))); }, "cycle");
    c.nodes = {node("Add", {"x", "nowhere"}, {"y"})};
    expect_error([&] { from(model(graph(c))); }, "nowhere");
    c.nodes = {node("Relu", {"x"}, {"y"}), node("Neg", {"x"}, {"y"})};
    expect_error([&] { from(model(graph(c))); }, "already produced");
    c.nodes = {node("Relu", {"x"}, {"z"})};
    expect_error([&] { from(model(graph(c))); }, "graph output 'y'");
    c.nodes = {node("Relu", {"x"}, {"y"})};
    c.outputs.push_back(c.outputs[0]);
    expect_error([&] { from(model(graph(c))); }, "listed twice");
    c.outputs.clear();
    expect_error([&] { from(model(graph(c))); }, "no outputs");
}

// ---- tensor payloads --------------------------------------------------------

TEST(Loader, PayloadDisagreesWithDims) {
    auto f32 = [](size_t n) { return fbytes(4, raw_of(std::vector<float>(n, 1.f))); };
    expect_error([] { from(add_model(tensor("k", {4}, 1, raw(Bytes(15, '\0'))))); }, "raw_data holds 15 bytes");
    expect_error([] { from(add_model(tensor("k", {4}, 1, raw(Bytes(17, '\0'))))); }, "raw_data holds 17 bytes");
    expect_error([&] { from(add_model(tensor("k", {4}, 1, f32(3)))); }, "float_data has 3 values");
    expect_error([&] { from(add_model(tensor("k", {4}, 1, f32(5)))); }, "float_data has 5 values");
    expect_error([&] { from(add_model(tensor("k", {4}, 1, Bytes()))); }, "float_data has 0 values");
    // A count claim far beyond the bytes present is refused before any allocation.
    expect_error([&] { from(add_model(tensor("k", {int64_t(1) << 40}, 1, f32(4)))); }, "float_data");
    expect_error([] { from(add_model(tensor("k", {1 << 20, 1 << 20}, 1, raw(Bytes(16, '\0'))))); }, "raw_data");
    expect_error([&] { from(add_model(tensor("k", {4}, 1, raw(Bytes(16, '\0')) + f32(4)))); }, "both raw_data");
    expect_error([&] { from(add_model(tensor("k", {4}, 1, f32(4) + packed_varints(7, {1, 2, 3, 4})))); },
                 "more than one typed field");
    expect_error([] { from(add_model(tensor("k", {4}, 99, raw(Bytes(16, '\0'))))); }, "data type 99");
    expect_error([] { from(add_model(tensor("k", {4}, 8, fbytes(6, "abc")))); }, "string");
    expect_error([] { from(add_model(tensor("", {4}, 1, raw(Bytes(16, '\0'))))); }, "no name");
}

TEST(Loader, TypedFieldCountsPerType) {
    // int32_data, int64_data, double_data and uint64_data with one value too many.
    struct Case { int dtype; Bytes payload; const char* field; };
    std::vector<Case> cases = {
        {6, packed_varints(5, {1, 2, 3, 4, 5}), "int32_data"},
        {3, packed_varints(5, {1, 2, 3}), "int32_data"},     // int8 in int32_data
        {10, packed_varints(5, {1, 2, 3}), "int32_data"},    // float16 bits in int32_data
        {9, packed_varints(5, {1}), "int32_data"},           // bool
        {7, packed_varints(7, {1, 2, 3, 4, 5}), "int64_data"},
        {11, fbytes(10, raw_of(std::vector<double>{1, 2, 3})), "double_data"},
        {13, packed_varints(11, {1, 2, 3, 4, 5}), "uint64_data"},
        {12, packed_varints(11, {1}), "uint64_data"},        // uint32 in uint64_data
    };
    for (auto& c : cases) {
        TempDir d;
        write_file(d / "t.pb", tensor("t", {4}, c.dtype, c.payload));
        expect_error([&] { vireo::load_tensor_file(d / "t.pb"); }, c.field);
    }
}

TEST(Loader, DimsOverflowAndNegative) {
    expect_error([] { from(add_model(tensor("k", {int64_t(1) << 32, int64_t(1) << 32}, 1, raw(Bytes(16, '\0'))))); },
                 "overflow");
    expect_error([] { from(add_model(tensor("k", {1 << 21, 1 << 21, 1 << 21}, 1, raw("")))); }, "overflow");
    expect_error([] { from(add_model(tensor("k", {int64_t(1) << 62}, 11, raw("")))); }, "overflow");  // bytes
    expect_error([] { from(add_model(tensor("k", {INT64_MAX, 2}, 1, raw(Bytes(16, '\0'))))); }, "overflow");
    expect_error([] { from(add_model(tensor("k", {-1}, 1, raw("")))); }, "negative");
    expect_error([] { from(add_model(tensor("k", {-2, -2}, 1, raw(Bytes(16, '\0'))))); }, "negative");
    expect_error([] { from(add_model(tensor("k", std::vector<int64_t>(100, 1), 1, raw(Bytes(4, '\0'))))); }, "rank");
    // Declared value shapes: negative dims and absurd ranks.
    GraphParts p;
    p.nodes = {node("Relu", {"x"}, {"y"})};
    p.inputs = {value_info("x", tensor_type(1, {1, -4}))};
    p.outputs = {value_info("y", tensor_type(1, {1, 4}))};
    expect_error([&] { from(model(graph(p))); }, "negative");
    p.inputs = {value_info("x", tensor_type(1, std::vector<int64_t>(100, 1)))};
    expect_error([&] { from(model(graph(p))); }, "rank");
}

// ---- nesting ------------------------------------------------------------------

namespace {
// TypeProto{sequence_type: Sequence{elem_type: TypeProto{...}}} `levels` deep
// around a float[1,4] tensor type, built inside-out in linear time.
Bytes deep_sequence_type(size_t levels) {
    Bytes inner = tensor_type(1, {1, 4});
    std::vector<Bytes> heads;
    size_t n = inner.size();
    for (size_t i = 0; i < 2 * levels; ++i) {
        Bytes h = key(i % 2 == 0 ? 1 : 4, kLen) + varint(n);  // innermost first: elem_type(1), then sequence_type(4)
        n += h.size();
        heads.push_back(std::move(h));
    }
    Bytes out;
    out.reserve(n);
    for (size_t i = heads.size(); i-- > 0;) out += heads[i];
    return out + inner;
}
Bytes relu_with(const Bytes& x_type, const Bytes& y_type, const std::vector<Bytes>& vinfo = {}, const Bytes& attrs = "") {
    GraphParts p;
    p.nodes = {node("Relu", {"x"}, {"y"}, attrs)};
    p.inputs = {value_info("x", x_type)};
    p.outputs = {value_info("y", y_type)};
    p.value_infos = vinfo;
    return model(graph(p));
}
}  // namespace

TEST(Loader, DepthLimit) {
    const Bytes t = tensor_type(1, {1, 4});
    EXPECT_NO_THROW(from(relu_with(t, t)));
    // Shallow sequence types in value_info are harmless and ignored.
    EXPECT_NO_THROW(from(relu_with(t, t, {value_info("y", deep_sequence_type(5))})));
    // Deep ones are refused wherever they are, like libprotobuf's recursion limit.
    expect_error([&] { from(relu_with(t, t, {value_info("y", deep_sequence_type(100000))})); }, "nested deeper");
    expect_error([&] { from(relu_with(deep_sequence_type(100000), t)); }, "nested deeper");
    expect_error([&] { from(relu_with(t, deep_sequence_type(1000))); }, "nested deeper");
    // Non-tensor graph inputs and outputs are refused.
    expect_error([&] { from(relu_with(deep_sequence_type(2), t)); }, "not a tensor");
    expect_error([&] { from(relu_with(t, deep_sequence_type(2))); }, "not a tensor");
    // Subgraph attributes are never descended into, and refused.
    Bytes g_attr = fbytes(5, fbytes(1, "body") + fvarint(20, 5) + fbytes(6, Bytes(1 << 16, '\xff')));
    expect_error([&] { from(relu_with(t, t, {}, g_attr)); }, "GRAPH");
    Bytes tp_attr = fbytes(5, fbytes(1, "tp") + fvarint(20, 13) + fbytes(14, deep_sequence_type(100000)));
    expect_error([&] { from(relu_with(t, t, {}, tp_attr)); }, "TYPE_PROTO");
}

// ---- typed fields decode right ---------------------------------------------

TEST(Loader, TypedFieldsDecode) {
    TempDir d;
    auto load = [&](const Bytes& pb) {
        write_file(d / "t.pb", pb);
        std::string name;
        vireo::Tensor t = vireo::load_tensor_file(d / "t.pb", &name);
        EXPECT_EQ(name, "t");
        return t;
    };
    {
        auto t = load(tensor("t", {2, 2}, 1, fbytes(4, raw_of(std::vector<float>{1.5f, -2.f, 1e30f, -0.f}))));
        ASSERT_EQ(t.dtype(), vireo::DType::Float32);
        EXPECT_EQ(t.shape(), (vireo::Shape{2, 2}));
        EXPECT_EQ(std::vector<float>(t.data<float>(), t.data<float>() + 4), (std::vector<float>{1.5f, -2.f, 1e30f, -0.f}));
    }
    {  // unpacked float_data: one fixed32 field per value
        auto t = load(tensor("t", {2}, 1, ffixed32(4, 0x3fc00000u) + ffixed32(4, 0xc0000000u)));
        EXPECT_EQ(t.data<float>()[0], 1.5f);
        EXPECT_EQ(t.data<float>()[1], -2.f);
    }
    {  // int32_data: negative values are 10-byte varints
        auto t = load(tensor("t", {3}, 6, packed_varints(5, {-7, INT32_MAX, INT32_MIN})));
        ASSERT_EQ(t.dtype(), vireo::DType::Int32);
        EXPECT_EQ(t.data<int32_t>()[0], -7);
        EXPECT_EQ(t.data<int32_t>()[1], INT32_MAX);
        EXPECT_EQ(t.data<int32_t>()[2], INT32_MIN);
    }
    {  // int8, uint8, int16, uint16, bool and float16 all ride in int32_data
        auto i8 = load(tensor("t", {2}, 3, packed_varints(5, {-128, 127})));
        EXPECT_EQ(i8.data<int8_t>()[0], -128);
        EXPECT_EQ(i8.data<int8_t>()[1], 127);
        auto u8 = load(tensor("t", {2}, 2, packed_varints(5, {0, 255})));
        EXPECT_EQ(u8.data<uint8_t>()[1], 255);
        auto i16 = load(tensor("t", {1}, 5, packed_varints(5, {-30000})));
        EXPECT_EQ(i16.data<int16_t>()[0], -30000);
        auto u16 = load(tensor("t", {1}, 4, packed_varints(5, {65535})));
        EXPECT_EQ(u16.data<uint16_t>()[0], 65535);
        auto b = load(tensor("t", {3}, 9, packed_varints(5, {0, 1, 5})));
        ASSERT_EQ(b.dtype(), vireo::DType::Bool);
        EXPECT_EQ(b.data<uint8_t>()[0], 0);
        EXPECT_EQ(b.data<uint8_t>()[1], 1);
        EXPECT_EQ(b.data<uint8_t>()[2], 1);
        auto h = load(tensor("t", {2}, 10, packed_varints(5, {0x3c00, 0xc000})));  // 1.0, -2.0
        ASSERT_EQ(h.dtype(), vireo::DType::Float16);
        EXPECT_EQ(h.data<uint16_t>()[0], 0x3c00);
        EXPECT_EQ(h.data<uint16_t>()[1], 0xc000);
    }
    {
        auto t = load(tensor("t", {3}, 7, packed_varints(7, {-1, INT64_MIN, INT64_MAX})));
        ASSERT_EQ(t.dtype(), vireo::DType::Int64);
        EXPECT_EQ(t.data<int64_t>()[0], -1);
        EXPECT_EQ(t.data<int64_t>()[1], INT64_MIN);
        EXPECT_EQ(t.data<int64_t>()[2], INT64_MAX);
    }
    {
        auto t = load(tensor("t", {2}, 11, fbytes(10, raw_of(std::vector<double>{kPi, -1e300}))));
        ASSERT_EQ(t.dtype(), vireo::DType::Float64);
        EXPECT_EQ(t.data<double>()[0], kPi);
        EXPECT_EQ(t.data<double>()[1], -1e300);
    }
    {
        auto t = load(tensor("t", {2}, 13, packed_varints(11, {int64_t(UINT64_MAX), 42})));
        ASSERT_EQ(t.dtype(), vireo::DType::UInt64);
        EXPECT_EQ(t.data<uint64_t>()[0], UINT64_MAX);
        EXPECT_EQ(t.data<uint64_t>()[1], 42u);
        auto u = load(tensor("t", {1}, 12, packed_varints(11, {int64_t(UINT32_MAX)})));
        ASSERT_EQ(u.dtype(), vireo::DType::UInt32);
        EXPECT_EQ(u.data<uint32_t>()[0], UINT32_MAX);
    }
    {  // zero elements need no payload; a scalar needs exactly one value
        auto z = load(tensor("t", {0, 3}, 1, ""));
        EXPECT_EQ(z.numel(), 0);
        auto s = load(tensor("t", {}, 7, packed_varints(7, {9})));
        EXPECT_EQ(s.rank(), 0u);
        EXPECT_EQ(s.data<int64_t>()[0], 9);
    }
    // And inside a model: typed initializers feed the graph.
    vireo::Model m = from(add_model(tensor("k", {4}, 1, fbytes(4, raw_of(kK)))));
    EXPECT_EQ(run_add(m), (std::vector<float>{2.5f, 0.f, 3.25f, 12.f}));
}

// ---- zero copy ----------------------------------------------------------------

namespace {
// Pads the producer name so the raw_data payload of k starts at a multiple of
// `align` plus `misalign` bytes from the start of the file.
Bytes model_with_raw_at(size_t align, size_t misalign) {
    const Bytes payload = raw_of(kK);
    for (size_t pad = 0; pad < 64; ++pad) {
        Bytes b = add_model(tensor("k", {4}, 1, raw(payload)), "p" + std::string(pad, 'p'));
        size_t at = b.find(payload);
        if (at != Bytes::npos && at % align == misalign) return b;
    }
    std::abort();
}
const vireo::Tensor& initializer(const vireo::Model& m, const std::string& name) {
    auto& md = *m.data();
    for (size_t v = 0; v < md.value_names.size(); ++v)
        if (md.value_names[v] == name) return md.initializers[v];
    std::abort();
}
}  // namespace

TEST(Loader, AlignedRawDataIsZeroCopy) {
    Bytes b = model_with_raw_at(16, 0);
    vireo::Model m = from(b);
    EXPECT_EQ(m.data()->zero_copy_initializers, 1u);
    EXPECT_EQ(m.data()->copied_initializers, 0u);
    // The view points into the model's own copy of the bytes, at the payload.
    const vireo::Tensor& k = initializer(m, "k");
    ASSERT_FALSE(m.data()->keepalive.empty());
    auto base = static_cast<const char*>(m.data()->keepalive[0].get());
    EXPECT_EQ(static_cast<const char*>(k.raw()), base + b.find(raw_of(kK)));
    EXPECT_EQ(run_add(m), (std::vector<float>{2.5f, 0.f, 3.25f, 12.f}));

    // From a file: a view into the mapping.
    TempDir d;
    write_file(d / "m.onnx", b);
    vireo::Model mf = vireo::Model::load(d / "m.onnx");
    EXPECT_EQ(mf.data()->zero_copy_initializers, 1u);
    EXPECT_EQ(run_add(mf), (std::vector<float>{2.5f, 0.f, 3.25f, 12.f}));
}

TEST(Loader, MisalignedRawDataIsCopied) {
    vireo::Model m = from(model_with_raw_at(4, 1));
    EXPECT_EQ(m.data()->zero_copy_initializers, 0u);
    EXPECT_EQ(m.data()->copied_initializers, 1u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(initializer(m, "k").raw()) % alignof(float), 0u);
    EXPECT_EQ(run_add(m), (std::vector<float>{2.5f, 0.f, 3.25f, 12.f}));
}

// ---- external data ------------------------------------------------------------

TEST(Loader, ExternalDataInsideTheModelDirectory) {
    TempDir d;
    write_file(d / "w.bin", raw_of(kK));
    write_file(d / "m.onnx", add_model(external_tensor("w.bin")));
    vireo::Model m = vireo::Model::load(d / "m.onnx");
    EXPECT_EQ(run_add(m), (std::vector<float>{2.5f, 0.f, 3.25f, 12.f}));

    // In a subdirectory, at an offset, with an explicit length.
    ASSERT_EQ(mkdir((d / "sub").c_str(), 0755), 0);
    write_file(d / "sub/w.bin", Bytes(8, 'z') + raw_of(kK) + Bytes(3, 'z'));
    write_file(d / "m2.onnx", add_model(external_tensor("sub/w.bin", "8", "16")));
    EXPECT_EQ(run_add(vireo::Model::load(d / "m2.onnx")), (std::vector<float>{2.5f, 0.f, 3.25f, 12.f}));

    // from_buffer resolves against base_dir, and refuses external data without one.
    Bytes b = add_model(external_tensor("w.bin"));
    EXPECT_EQ(run_add(from(b, d.path)), (std::vector<float>{2.5f, 0.f, 3.25f, 12.f}));
    expect_error([&] { from(b); }, "external data is not allowed");
}

TEST(Loader, ExternalDataMayNotEscape) {
    TempDir outer;
    ASSERT_EQ(mkdir((outer / "m").c_str(), 0755), 0);
    const std::string dir = outer / "m";
    auto in = [&](const std::string& n) { return dir + "/" + n; };
    write_file(outer / "outside.bin", raw_of(kK));
    write_file(in("w.bin"), raw_of(kK));
    auto load_with = [&](const Bytes& t) {
        write_file(in("m.onnx"), add_model(t));
        return vireo::Model::load(in("m.onnx"));
    };
    EXPECT_NO_THROW(load_with(external_tensor("w.bin")));
    expect_error([&] { load_with(external_tensor("../outside.bin")); }, "escapes");
    expect_error([&] { load_with(external_tensor("./../outside.bin")); }, "escapes");
    ASSERT_EQ(mkdir(in("sub").c_str(), 0755), 0);
    expect_error([&] { load_with(external_tensor("sub/../../outside.bin")); }, "escapes");
    expect_error([&] { load_with(external_tensor("sub/../w.bin")); }, "escapes");
    expect_error([&] { load_with(external_tensor(outer / "outside.bin")); }, "absolute");
    expect_error([&] { load_with(external_tensor(in("w.bin"))); }, "absolute");
    expect_error([&] { load_with(external_tensor("..\\outside.bin")); }, "backslash");
    expect_error([&] { load_with(external_tensor(std::string("w.bin\0/../x", 11))); }, "NUL");
    // Symlinks: to a file outside, to a file inside, through a directory.
    ASSERT_EQ(symlink("../outside.bin", in("link.bin").c_str()), 0);
    expect_error([&] { load_with(external_tensor("link.bin")); }, "symlink");
    ASSERT_EQ(symlink("w.bin", in("link_in.bin").c_str()), 0);
    expect_error([&] { load_with(external_tensor("link_in.bin")); }, "symlink");
    ASSERT_EQ(mkdir((outer / "elsewhere").c_str(), 0755), 0);
    write_file(outer / "elsewhere/w.bin", raw_of(kK));
    ASSERT_EQ(symlink("../elsewhere", in("linkdir").c_str()), 0);
    expect_error([&] { load_with(external_tensor("linkdir/w.bin")); }, "symlink");
    // Hard links: one more name for a file outside (or inside) the directory.
    ASSERT_EQ(link((outer / "outside.bin").c_str(), in("hard.bin").c_str()), 0);
    expect_error([&] { load_with(external_tensor("hard.bin")); }, "hard link");
    // Not a regular file; missing; a FIFO must not block.
    expect_error([&] { load_with(external_tensor("sub")); }, "not a regular file");
    expect_error([&] { load_with(external_tensor("nope.bin")); }, "not found");
    ASSERT_EQ(mkfifo(in("w.fifo").c_str(), 0644), 0);
    expect_error([&] { load_with(external_tensor("w.fifo")); }, "not a regular file");
}

TEST(Loader, ExternalDataOffsetAndLength) {
    TempDir d;
    write_file(d / "w.bin", raw_of(kK));  // 16 bytes
    auto load_with = [&](const Bytes& t) {
        write_file(d / "m.onnx", add_model(t));
        return vireo::Model::load(d / "m.onnx");
    };
    EXPECT_NO_THROW(load_with(external_tensor("w.bin", "0", "16")));
    expect_error([&] { load_with(external_tensor("w.bin", "17")); }, "past the end");
    expect_error([&] { load_with(external_tensor("w.bin", "8", "16")); }, "exceeds");
    expect_error([&] { load_with(external_tensor("w.bin", "8", "18446744073709551612")); }, "exceeds");  // wraps
    expect_error([&] { load_with(external_tensor("w.bin", "18446744073709551615", "1")); }, "past the end");
    expect_error([&] { load_with(external_tensor("w.bin", "99999999999999999999")); }, "offset");
    expect_error([&] { load_with(external_tensor("w.bin", "-4")); }, "offset");
    expect_error([&] { load_with(external_tensor("w.bin", "0x10")); }, "offset");
    expect_error([&] { load_with(external_tensor("w.bin", "", "12")); }, "12 bytes");
    expect_error([&] { load_with(external_tensor("w.bin", "", "", {1 << 20, 1 << 20})); }, "need");
    expect_error([&] { load_with(external_tensor("w.bin", "", "", {int64_t(1) << 40, int64_t(1) << 40})); }, "overflow");
    expect_error([&] { load_with(external_tensor("")); }, "location");
}

// ---- files that are not what they claim ----------------------------------------

TEST(Loader, ModelPathsThatAreNotRegularFiles) {
    TempDir d;
    expect_error([&] { vireo::Model::load(d / "missing.onnx"); }, "cannot open");
    expect_error([&] { vireo::Model::load(d.path); }, "not a regular file");
    ASSERT_EQ(mkfifo((d / "fifo").c_str(), 0644), 0);
    expect_error([&] { vireo::Model::load(d / "fifo"); }, "not a regular file");  // and does not block
    expect_error([&] { vireo::load_tensor_file(d / "fifo"); }, "not a regular file");
    write_file(d / "empty.onnx", "");
    expect_error([&] { vireo::Model::load(d / "empty.onnx"); }, "empty");
}

// ---- .npy and .pb tensor files --------------------------------------------------

TEST(TensorFiles, NpyRoundTrip) {
    TempDir d;
    auto round_trip = [&](const vireo::Tensor& t) {
        vireo::save_npy(d / "t.npy", t);
        vireo::Tensor a = vireo::load_npy(d / "t.npy");
        vireo::Tensor b = vireo::load_tensor_file(d / "t.npy");
        for (const auto& r : {a, b}) {
            EXPECT_EQ(r.dtype(), t.dtype());
            EXPECT_EQ(r.shape(), t.shape());
            ASSERT_EQ(r.nbytes(), t.nbytes());
            if (t.nbytes()) {
                EXPECT_EQ(std::memcmp(r.raw(), t.raw(), t.nbytes()), 0);
            }
        }
        // numpy's own reader requires the 64-byte aligned header this writes.
        std::ifstream is(d / "t.npy", std::ios::binary);
        std::string head(10, '\0');
        is.read(head.data(), 10);
        size_t hlen = uint8_t(head[8]) | size_t(uint8_t(head[9])) << 8;
        EXPECT_EQ((10 + hlen) % 64, 0u);
    };
    round_trip(vireo::Tensor::from_vector<float>({2, 3}, {1, -2, 3.5f, 1e-30f, INFINITY, -0.f}));
    round_trip(vireo::Tensor::from_vector<double>({3}, {kPi, -1, 1e300}));
    round_trip(vireo::Tensor::from_vector<int64_t>({2, 1}, {INT64_MIN, INT64_MAX}));
    round_trip(vireo::Tensor::from_vector<int32_t>({1, 1, 2}, {-5, 7}));
    round_trip(vireo::Tensor::from_vector<int16_t>({2}, {-300, 300}));
    round_trip(vireo::Tensor::from_vector<int8_t>({2}, {-128, 127}));
    round_trip(vireo::Tensor::from_vector<uint8_t>({3}, {0, 128, 255}));
    round_trip(vireo::Tensor::from_vector<uint16_t>({1}, {65535}));
    round_trip(vireo::Tensor::from_vector<uint32_t>({1}, {UINT32_MAX}));
    round_trip(vireo::Tensor::from_vector<uint64_t>({1}, {UINT64_MAX}));
    round_trip(vireo::Tensor::from_vector<bool>({4}, {true, false, false, true}));
    vireo::Tensor h = vireo::Tensor::zeros(vireo::DType::Float16, {2});
    h.data<uint16_t>()[0] = 0x3c00;
    h.data<uint16_t>()[1] = 0x7e00;
    round_trip(h);
    round_trip(vireo::Tensor::scalar<float>(42.f));                    // shape ()
    round_trip(vireo::Tensor::zeros(vireo::DType::Float32, {0, 3}));  // empty
    round_trip(vireo::Tensor::zeros(vireo::DType::Int64, {1, 1, 1, 1, 1, 1, 1, 1}));
}

TEST(TensorFiles, NpyEveryStrictPrefixThrows) {
    TempDir d;
    vireo::save_npy(d / "good.npy", vireo::Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4}));
    std::ifstream is(d / "good.npy", std::ios::binary);
    Bytes good((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
    for (size_t n = 0; n < good.size(); ++n) {
        write_file(d / "t.npy", good.substr(0, n));
        EXPECT_THROW(vireo::load_tensor_file(d / "t.npy"), vireo::Error) << n;
        if (n >= 6) {
            EXPECT_THROW(vireo::load_npy(d / "t.npy"), vireo::Error) << n;
        }
    }
    write_file(d / "t.npy", good + "x");
    expect_error([&] { vireo::load_npy(d / "t.npy"); }, "t.npy");
}

TEST(TensorFiles, NpyBrokenHeaders) {
    TempDir d;
    auto npy = [](const std::string& dict, const Bytes& data, int version = 1) {
        std::string h = dict;
        size_t pre = version == 1 ? 10 : 12;
        h.append((64 - (pre + h.size() + 1) % 64) % 64, ' ');
        h += '\n';
        Bytes b = Bytes("\x93NUMPY", 6) + char(version) + '\0';
        b += char(h.size() & 0xff);
        b += char(h.size() >> 8);
        if (version != 1) b += Bytes(2, '\0');
        return b + h + data;
    };
    const Bytes data = raw_of(std::vector<float>{1, 2, 3, 4});
    auto load = [&](const Bytes& b) {
        write_file(d / "t.npy", b);
        return vireo::load_npy(d / "t.npy");
    };
    EXPECT_EQ(load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", data)).shape(),
              (vireo::Shape{2, 2}));
    EXPECT_EQ(load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", data, 2)).shape(),
              (vireo::Shape{4}));
    expect_error([&] { load(npy("{'fortran_order': False, 'shape': (2, 2), }", data)); }, "descr");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': False, }", data)); }, "shape");
    expect_error([&] { load(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", data)); }, "dtype");
    expect_error([&] { load(npy("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", data)); }, "dtype");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data)); }, "Fortran");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, a), }", data)); }, "shape");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", data)); }, "shape");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, }", data)); }, "shape");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", data)); },
                 "overflow");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", data)); },
                 "overflow");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", data)); },
                 "needs");
    expect_error([&] { load(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", data.substr(1))); },
                 "needs");
    expect_error([&] { load(Bytes("\x93NUMPY\x09\x00\x10\x00", 10) + Bytes(16, ' ')); }, "version");
    expect_error([&] { load(Bytes("\x93NUMPY\x01\x00\xff\xff", 10) + "{}"); }, "past the end");
    expect_error([&] { load(Bytes("\x93NUMPY\x02\x00\xff\xff\xff\xff", 12) + "{}"); }, "past the end");
    expect_error([&] { load("not an npy file at all"); }, "not a .npy");
}

TEST(TensorFiles, PbTensors) {
    TempDir d;
    const Bytes good = tensor("x", {2, 2}, 1, raw(raw_of(std::vector<float>{1, 2, 3, 4})));
    write_file(d / "x.pb", good);
    std::string name;
    vireo::Tensor t = vireo::load_tensor_file(d / "x.pb", &name);
    EXPECT_EQ(name, "x");
    EXPECT_EQ(t.shape(), (vireo::Shape{2, 2}));
    EXPECT_EQ(t.data<float>()[3], 4.f);
    EXPECT_EQ(vireo::load_tensor_pb(d / "x.pb").numel(), 4);
    // raw_data is the last field, so every strict prefix is broken.
    for (size_t n = 0; n < good.size(); ++n) {
        write_file(d / "t.pb", good.substr(0, n));
        EXPECT_THROW(vireo::load_tensor_file(d / "t.pb"), vireo::Error) << n;
    }
    write_file(d / "t.pb", Bytes("\x08") + Bytes(12, '\xff') + good);
    expect_error([&] { vireo::load_tensor_file(d / "t.pb"); }, "varint");
    write_file(d / "t.pb", tensor("x", {2, 2}, 1, raw(Bytes(15, '\0'))));
    expect_error([&] { vireo::load_tensor_file(d / "t.pb"); }, "raw_data");
    write_file(d / "t.pb", tensor("x", {4}, 1, fbytes(13, fbytes(1, "location") + fbytes(2, "w.bin")) + fvarint(14, 1)));
    expect_error([&] { vireo::load_tensor_file(d / "t.pb"); }, "external");
    write_file(d / "t.pb", "");
    expect_error([&] { vireo::load_tensor_file(d / "t.pb"); }, "empty");
}
