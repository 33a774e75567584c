#include "runtime/onnx/proto.hpp"

#include <sys/stat.h>

#include <cstring>

namespace vireo::rt::onnx {

using wire::Reader;
using wire::WireType;

namespace {

bool known_dtype(int32_t t) {
    return t >= 1 && t <= 16 && t != 8 && t != 14 && t != 15 && dtype_size(DType(t)) != 0;
}

// ---- external data -------------------------------------------------------

// Resolves `location` inside base_dir, refusing absolute paths, '..' and any
// symlink on the way, so a model can never read outside its own directory.
std::string resolve_external_path(const std::string& base_dir, const std::string& location) {
    check(!location.empty(), "external data: empty location");
    check(location.size() < 4096, "external data: location too long");
    check(location[0] != '/', "external data: absolute path '", location, "' is not allowed");
    check(location.find('\0') == std::string::npos, "external data: location contains a NUL byte");
    check(location.find('\\') == std::string::npos, "external data: location '", location, "' contains a backslash");
    std::string path = base_dir.empty() ? "." : base_dir;
    size_t start = 0;
    while (start <= location.size()) {
        size_t slash = location.find('/', start);
        std::string comp = location.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        check(comp != "..", "external data: location '", location, "' escapes the model directory");
        if (!comp.empty() && comp != ".") {
            path += "/" + comp;
            struct stat st{};
            if (lstat(path.c_str(), &st) != 0) fail("external data: '", location, "' not found next to the model");
            check(!S_ISLNK(st.st_mode), "external data: '", location, "' goes through a symlink, which is not allowed");
        }
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return path;
}

struct ExternalRef {
    std::string location;
    bool has_offset = false, has_length = false;
    uint64_t offset = 0, length = 0;
};

uint64_t parse_u64(const std::string& key, const std::string& v) {
    check(!v.empty() && v.size() <= 20, "external data: bad ", key, " '", v, "'");
    uint64_t r = 0;
    for (char c : v) {
        check(c >= '0' && c <= '9', "external data: bad ", key, " '", v, "'");
        check(!__builtin_mul_overflow(r, uint64_t(10), &r) && !__builtin_add_overflow(r, uint64_t(c - '0'), &r),
              "external data: ", key, " '", v, "' overflows");
    }
    return r;
}

// ---- typed payload decoding ---------------------------------------------

// Values of typed repeated fields as they arrive; converted to the tensor's
// element type once dims and data_type are both known.
struct TypedFields {
    std::vector<float> f32;
    std::vector<int64_t> i32;  // int32_data holds every <=32-bit integer type, bool and fp16 bits
    std::vector<int64_t> i64;
    std::vector<double> f64;
    std::vector<uint64_t> u64;
    size_t present() const { return !f32.empty() + !i32.empty() + !i64.empty() + !f64.empty() + !u64.empty(); }
};

template <class T, class Src>
void copy_convert(Tensor& t, const std::vector<Src>& src) {
    T* d = t.data<T>();
    for (size_t i = 0; i < src.size(); ++i) d[i] = static_cast<T>(src[i]);
}

Tensor typed_to_tensor(DType dt, const Shape& dims, int64_t numel, const TypedFields& tf, const std::string& name) {
    auto expect_count = [&](size_t got, const char* field) {
        check(int64_t(got) == numel, "tensor '", name, "': ", field, " has ", got, " values but dims ",
              shape_str(dims), " need ", numel);
    };
    Tensor t;
    switch (dt) {
        case DType::Float32:
            expect_count(tf.f32.size(), "float_data");
            t = Tensor::zeros(dt, dims);
            copy_convert<float>(t, tf.f32);
            break;
        case DType::Float64:
            expect_count(tf.f64.size(), "double_data");
            t = Tensor::zeros(dt, dims);
            copy_convert<double>(t, tf.f64);
            break;
        case DType::Int64:
            expect_count(tf.i64.size(), "int64_data");
            t = Tensor::zeros(dt, dims);
            copy_convert<int64_t>(t, tf.i64);
            break;
        case DType::UInt32:
        case DType::UInt64:
            expect_count(tf.u64.size(), "uint64_data");
            t = Tensor::zeros(dt, dims);
            if (dt == DType::UInt32) copy_convert<uint32_t>(t, tf.u64);
            else copy_convert<uint64_t>(t, tf.u64);
            break;
        case DType::Int32: case DType::Int16: case DType::Int8: case DType::UInt16: case DType::UInt8:
        case DType::Bool: case DType::Float16: case DType::BFloat16:
            expect_count(tf.i32.size(), "int32_data");
            t = Tensor::zeros(dt, dims);
            switch (dt) {
                case DType::Int32: copy_convert<int32_t>(t, tf.i32); break;
                case DType::Int16: copy_convert<int16_t>(t, tf.i32); break;
                case DType::Int8: copy_convert<int8_t>(t, tf.i32); break;
                case DType::Bool:
                    for (size_t i = 0; i < tf.i32.size(); ++i) t.data<uint8_t>()[i] = tf.i32[i] != 0;
                    break;
                case DType::UInt8: copy_convert<uint8_t>(t, tf.i32); break;
                default: copy_convert<uint16_t>(t, tf.i32); break;
            }
            break;
        default: fail("tensor '", name, "': unsupported data type ", int(dt));
    }
    return t;
}

// ---- messages -------------------------------------------------------------


void parse_string_map_entry(Reader r, std::string& key, std::string& value) {
    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        if (f == 1 && t == wire::LengthDelimited) key = r.string();
        else if (f == 2 && t == wire::LengthDelimited) value = r.string();
        else r.skip(t);
    }
}

std::string checked_name(Reader& r, const char* what) {
    std::string_view s = r.bytes();
    check(s.size() <= kMaxNameBytes, "ONNX: ", what, " longer than ", kMaxNameBytes, " bytes");
    return std::string(s);
}

void parse_shape(Reader r, ValueInfoProto& v) {
    uint32_t f;
    WireType t;
    v.has_shape = true;
    while (r.next(f, t)) {
        if (f == 1 && t == wire::LengthDelimited) {
            Reader d = r.message();
            int64_t value = -1;
            std::string param;
            uint32_t g;
            WireType u;
            while (d.next(g, u)) {
                if (g == 1) {
                    value = d.int64_value(u);
                    check(value >= 0, "ONNX: value '", v.name, "' declares negative dimension ", value);
                } else if (g == 2 && u == wire::LengthDelimited) {
                    param = checked_name(d, "dim_param");
                } else {
                    d.skip(u);
                }
            }
            check(v.dims.size() < kMaxRank, "ONNX: value '", v.name, "' has rank above ", kMaxRank);
            v.dims.push_back(value);
            v.dim_names.push_back(param);
        } else {
            r.skip(t);
        }
    }
}

// Non-tensor types (sequence, map, optional) are of no use to vireo, but their
// nesting is walked rather than skipped unseen, so the reader's depth limit
// refuses sequence<sequence<...>> nested 100000 deep, as libprotobuf does.
bool is_container_type(uint32_t field, WireType t) {
    return (field == 4 || field == 5 || field == 9) && t == wire::LengthDelimited;
}
void check_type_nesting(Reader r);
// Sequence{elem_type=1}, Map{key_type=1, value_type=2} or Optional{elem_type=1}.
void check_container_type(Reader c, uint32_t field) {
    uint32_t g;
    WireType u;
    while (c.next(g, u)) {
        if (g == (field == 5 ? 2u : 1u) && u == wire::LengthDelimited) check_type_nesting(c.message());
        else c.skip(u);
    }
}
void check_type_nesting(Reader r) {
    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        if (is_container_type(f, t)) check_container_type(r.message(), f);
        else r.skip(t);
    }
}

void parse_type(Reader r, ValueInfoProto& v) {
    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        if (is_container_type(f, t)) {  // sequence, map, optional
            v.is_tensor = false;
            v.non_tensor = true;
            check_container_type(r.message(), f);
        } else if (f == 8 && t == wire::LengthDelimited) {  // sparse_tensor_type
            v.is_tensor = false;
            v.non_tensor = true;
            r.skip(t);
        } else if (f == 1 && t == wire::LengthDelimited) {  // tensor_type
            v.is_tensor = true;
            v.non_tensor = false;
            Reader tt = r.message();
            uint32_t g;
            WireType u;
            while (tt.next(g, u)) {
                if (g == 1) {
                    v.raw_elem = int32_t(tt.int64_value(u));
                    v.elem = known_dtype(v.raw_elem) ? DType(v.raw_elem) : DType::Undefined;
                } else if (g == 2 && u == wire::LengthDelimited) {
                    parse_shape(tt.message(), v);
                } else {
                    tt.skip(u);
                }
            }
        } else {
            r.skip(t);  // denotation, unknown fields
        }
    }
}

ValueInfoProto parse_value_info(Reader r) {
    ValueInfoProto v;
    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        if (f == 1 && t == wire::LengthDelimited) v.name = checked_name(r, "value name");
        else if (f == 2 && t == wire::LengthDelimited) parse_type(r.message(), v);
        else r.skip(t);
    }
    return v;
}

Attribute parse_attribute(Reader r, ParseEnv& env) {
    Attribute a;
    bool has_f = false, has_i = false, has_s = false, has_t = false;
    int32_t skipped = 0;  // AttributeType of a payload vireo skips (graphs, tensors, sparse, type protos)
    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        switch (f) {
            case 1: r.expect(t, wire::LengthDelimited); a.name = checked_name(r, "attribute name"); break;
            case 20: a.type = AttrType(r.int64_value(t)); break;
            case 2: a.f = r.float_value(t); has_f = true; break;
            case 3: a.i = r.int64_value(t); has_i = true; break;
            case 4: r.expect(t, wire::LengthDelimited); a.s = r.string(); has_s = true; break;
            case 5: r.expect(t, wire::LengthDelimited); a.t = parse_tensor(r.message(), env, nullptr); has_t = true; break;
            // Payloads no supported op takes: skipped here, refused by the importer.
            case 6: r.skip(t); skipped = int32_t(AttrType::Graph); break;
            case 11: r.skip(t); skipped = int32_t(AttrType::Graphs); break;
            case 10: r.skip(t); skipped = int32_t(AttrType::Tensors); break;
            case 22: r.skip(t); skipped = 11; break;  // SPARSE_TENSOR
            case 23: r.skip(t); skipped = 12; break;  // SPARSE_TENSORS
            case 14: r.skip(t); skipped = 13; break;  // TYPE_PROTO
            case 15: r.skip(t); skipped = 14; break;  // TYPE_PROTOS
            case 7:
                r.repeated_fixed32(t, [&](uint32_t u) {
                    float x;
                    std::memcpy(&x, &u, 4);
                    a.floats.push_back(x);
                });
                break;
            case 8: r.repeated_varint(t, [&](uint64_t u) { a.ints.push_back(int64_t(u)); }); break;
            case 9: r.expect(t, wire::LengthDelimited); a.strings.push_back(r.string()); break;
            default: r.skip(t);
        }
    }
    // IR versions before 0.0.2 had no `type`; infer it from the field present.
    if (a.type == AttrType::Undefined) {
        if (has_f) a.type = AttrType::Float;
        else if (has_i) a.type = AttrType::Int;
        else if (has_s) a.type = AttrType::String;
        else if (has_t) a.type = AttrType::Tensor;
        else if (!a.floats.empty()) a.type = AttrType::Floats;
        else if (!a.ints.empty()) a.type = AttrType::Ints;
        else if (!a.strings.empty()) a.type = AttrType::Strings;
        else if (skipped) a.type = AttrType(skipped);
    }
    check(!a.name.empty(), "ONNX: attribute without a name");
    return a;
}

NodeDef parse_node(Reader r, ParseEnv& env) {
    NodeDef n;
    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        switch (f) {
            case 1: r.expect(t, wire::LengthDelimited); n.inputs.push_back(checked_name(r, "input name")); break;
            case 2: r.expect(t, wire::LengthDelimited); n.outputs.push_back(checked_name(r, "output name")); break;
            case 3: r.expect(t, wire::LengthDelimited); n.name = checked_name(r, "node name"); break;
            case 4: r.expect(t, wire::LengthDelimited); n.op_type = checked_name(r, "op_type"); break;
            case 7: r.expect(t, wire::LengthDelimited); n.domain = checked_name(r, "domain"); break;
            case 5: r.expect(t, wire::LengthDelimited); n.attrs.push_back(parse_attribute(r.message(), env)); break;
            default: r.skip(t);
        }
    }
    check(n.inputs.size() < 65536 && n.outputs.size() < 65536 && n.attrs.size() < 65536,
          "ONNX: node '", n.name, "' has too many inputs, outputs or attributes");
    return n;
}

void parse_graph(Reader r, GraphProto& g, ParseEnv& env) {
    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        switch (f) {
            case 1:
                r.expect(t, wire::LengthDelimited);
                check(g.nodes.size() < kMaxNodes, "ONNX: graph has more than ", kMaxNodes, " nodes");
                g.nodes.push_back(parse_node(r.message(), env));
                break;
            case 2: r.expect(t, wire::LengthDelimited); g.name = checked_name(r, "graph name"); break;
            case 5: {
                r.expect(t, wire::LengthDelimited);
                check(g.initializers.size() < kMaxNodes, "ONNX: too many initializers");
                std::string name;
                Tensor v = parse_tensor(r.message(), env, &name);
                g.initializers.emplace_back(std::move(name), std::move(v));
                break;
            }
            case 15: r.skip(t); ++g.sparse_initializers; break;
            case 11: r.expect(t, wire::LengthDelimited); g.inputs.push_back(parse_value_info(r.message())); break;
            case 12: r.expect(t, wire::LengthDelimited); g.outputs.push_back(parse_value_info(r.message())); break;
            case 13: r.expect(t, wire::LengthDelimited); g.value_info.push_back(parse_value_info(r.message())); break;
            default: r.skip(t);
        }
    }
}

}  // namespace

Tensor parse_tensor(Reader r, ParseEnv& env, std::string* out_name) {
    Shape dims;
    int32_t data_type = 0;
    std::string name;
    std::string_view raw;
    bool has_raw = false, external = false, has_strings = false;
    std::vector<std::pair<std::string, std::string>> ext_entries;
    TypedFields tf;
    const uint8_t* raw_ptr = nullptr;

    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        switch (f) {
            case 1:
                r.repeated_varint(t, [&](uint64_t u) {
                    check(dims.size() < kMaxRank, "ONNX: tensor rank above ", kMaxRank);
                    check(int64_t(u) >= 0, "ONNX: tensor has negative dimension ", int64_t(u));
                    dims.push_back(int64_t(u));
                });
                break;
            case 2: data_type = int32_t(r.int64_value(t)); break;
            case 3: r.skip(t); fail("ONNX: segmented tensors are not supported");
            case 4:
                r.repeated_fixed32(t, [&](uint32_t u) {
                    float x;
                    std::memcpy(&x, &u, 4);
                    tf.f32.push_back(x);
                });
                break;
            case 5: r.repeated_varint(t, [&](uint64_t u) { tf.i32.push_back(int64_t(int32_t(uint32_t(u)))); }); break;
            case 6: r.skip(t); has_strings = true; break;
            case 7: r.repeated_varint(t, [&](uint64_t u) { tf.i64.push_back(int64_t(u)); }); break;
            case 8: r.expect(t, wire::LengthDelimited); name = checked_name(r, "tensor name"); break;
            case 9: {
                r.expect(t, wire::LengthDelimited);
                raw = r.bytes();
                raw_ptr = reinterpret_cast<const uint8_t*>(raw.data());
                has_raw = true;
                break;
            }
            case 10:
                r.repeated_fixed64(t, [&](uint64_t u) {
                    double x;
                    std::memcpy(&x, &u, 8);
                    tf.f64.push_back(x);
                });
                break;
            case 11: r.repeated_varint(t, [&](uint64_t u) { tf.u64.push_back(u); }); break;
            case 13: {
                r.expect(t, wire::LengthDelimited);
                std::string k, v;
                parse_string_map_entry(r.message(), k, v);
                ext_entries.emplace_back(std::move(k), std::move(v));
                break;
            }
            case 14: external = r.int64_value(t) == 1; break;
            default: r.skip(t);
        }
    }
    if (out_name) *out_name = name;
    const std::string label = name.empty() ? std::string("<unnamed>") : name;
    check(data_type != 8 && !has_strings, "tensor '", label, "': string tensors are not supported");
    check(known_dtype(data_type), "tensor '", label, "': unsupported data type ", data_type);
    DType dt = DType(data_type);
    int64_t numel = checked_numel(dims);
    uint64_t nbytes = checked_nbytes(dt, dims);

    if (external) {
        check(env.allow_external, "tensor '", label, "': external data is not allowed for a model loaded from memory");
        ExternalRef ref;
        for (auto& [k, v] : ext_entries) {
            if (k == "location") ref.location = v;
            else if (k == "offset") { ref.offset = parse_u64(k, v); ref.has_offset = true; }
            else if (k == "length") { ref.length = parse_u64(k, v); ref.has_length = true; }
        }
        check(!ref.location.empty(), "tensor '", label, "': external data without a location");
        auto it = env.external_files.find(ref.location);
        if (it == env.external_files.end()) {
            std::string path = resolve_external_path(env.base_dir, ref.location);
            it = env.external_files.emplace(ref.location, MappedFile::open(path, /*no_follow=*/true)).first;
        }
        const auto& file = it->second;
        uint64_t end = 0;
        check(ref.offset <= file->size, "tensor '", label, "': external offset ", ref.offset, " is past the end of '",
              ref.location, "' (", file->size, " bytes)");
        uint64_t length = ref.has_length ? ref.length : file->size - ref.offset;
        check(!__builtin_add_overflow(ref.offset, length, &end) && end <= file->size, "tensor '", label,
              "': external data offset+length exceeds the size of '", ref.location, "'");
        check(length == nbytes, "tensor '", label, "': external data holds ", length, " bytes but dims ", shape_str(dims),
              " of ", dtype_name(dt), " need ", nbytes);
        raw_ptr = file->data + ref.offset;
        if (reinterpret_cast<uintptr_t>(raw_ptr) % dtype_size(dt) == 0) {
            ++env.zero_copy_tensors;
            return Tensor::view(dt, dims, raw_ptr, file);
        }
        Tensor c = Tensor::zeros(dt, dims);
        if (nbytes) std::memcpy(c.raw(), raw_ptr, nbytes);
        ++env.copied_tensors;
        return c;
    }
    if (has_raw) {
        check(tf.present() == 0, "tensor '", label, "': has both raw_data and typed data");
        check(raw.size() == nbytes, "tensor '", label, "': raw_data holds ", raw.size(), " bytes but dims ",
              shape_str(dims), " of ", dtype_name(dt), " need ", nbytes);
        // Views need natural alignment: vectorized loops may assume it.
        if (env.keepalive && reinterpret_cast<uintptr_t>(raw_ptr) % dtype_size(dt) == 0) {
            ++env.zero_copy_tensors;
            return Tensor::view(dt, dims, raw_ptr, env.keepalive);
        }
        Tensor c = Tensor::zeros(dt, dims);
        if (nbytes) std::memcpy(c.raw(), raw_ptr, nbytes);
        ++env.copied_tensors;
        return c;
    }
    check(tf.present() <= 1, "tensor '", label, "': data in more than one typed field");
    if (numel == 0) return Tensor::zeros(dt, dims);
    ++env.copied_tensors;
    return typed_to_tensor(dt, dims, numel, tf, label);
}

ModelProto parse_model(const uint8_t* data, size_t size, ParseEnv& env) {
    check(size > 0, "ONNX: empty model file");
    ModelProto m;
    Reader r(data, data + size, data);
    uint32_t f;
    WireType t;
    while (r.next(f, t)) {
        switch (f) {
            case 1: m.ir_version = r.int64_value(t); break;
            case 2: r.expect(t, wire::LengthDelimited); m.producer_name = checked_name(r, "producer_name"); break;
            case 3: r.expect(t, wire::LengthDelimited); m.producer_version = checked_name(r, "producer_version"); break;
            case 7:
                r.expect(t, wire::LengthDelimited);
                check(!m.has_graph, "ONNX: model has more than one graph");
                parse_graph(r.message(), m.graph, env);
                m.has_graph = true;
                break;
            case 8: {
                r.expect(t, wire::LengthDelimited);
                Reader o = r.message();
                std::string domain;
                int64_t version = 0;
                uint32_t g;
                WireType u;
                while (o.next(g, u)) {
                    if (g == 1 && u == wire::LengthDelimited) domain = checked_name(o, "opset domain");
                    else if (g == 2) version = o.int64_value(u);
                    else o.skip(u);
                }
                check(m.opset_imports.size() < 1024, "ONNX: too many opset imports");
                m.opset_imports.emplace_back(domain, version);
                break;
            }
            default: r.skip(t);
        }
    }
    check(m.has_graph, "ONNX: the file holds no graph (not an ONNX model?)");
    return m;
}

}  // namespace vireo::rt::onnx
