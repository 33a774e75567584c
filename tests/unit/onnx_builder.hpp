// A minimal ONNX protobuf writer for tests: builds small models in memory,
// including deliberately broken ones, without libprotobuf.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace vireo::test::pb {

// Raw protobuf encoding primitives.
inline void varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(char(v | 0x80));
        v >>= 7;
    }
    out.push_back(char(v));
}
inline void tag(std::string& out, uint32_t field, uint32_t wire) { varint(out, (uint64_t(field) << 3) | wire); }
inline void field_varint(std::string& out, uint32_t field, uint64_t v) { tag(out, field, 0); varint(out, v); }
inline void field_bytes(std::string& out, uint32_t field, const std::string& b) {
    tag(out, field, 2);
    varint(out, b.size());
    out += b;
}
inline void field_float(std::string& out, uint32_t field, float f) {
    tag(out, field, 5);
    char b[4];
    std::memcpy(b, &f, 4);
    out.append(b, 4);
}

struct Attr {
    std::string bytes;
    static Attr i(const std::string& name, int64_t v) {
        Attr a; field_bytes(a.bytes, 1, name); field_varint(a.bytes, 20, 2); field_varint(a.bytes, 3, uint64_t(v)); return a;
    }
    static Attr f(const std::string& name, float v) {
        Attr a; field_bytes(a.bytes, 1, name); field_varint(a.bytes, 20, 1); field_float(a.bytes, 2, v); return a;
    }
    static Attr ints(const std::string& name, const std::vector<int64_t>& v) {
        Attr a; field_bytes(a.bytes, 1, name); field_varint(a.bytes, 20, 7);
        for (auto x : v) field_varint(a.bytes, 8, uint64_t(x));
        return a;
    }
    static Attr s(const std::string& name, const std::string& v) {
        Attr a; field_bytes(a.bytes, 1, name); field_varint(a.bytes, 20, 3); field_bytes(a.bytes, 4, v); return a;
    }
};

// TensorProto with float data as raw_data.
inline std::string tensor_f32(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
    std::string t;
    for (auto d : dims) field_varint(t, 1, uint64_t(d));
    field_varint(t, 2, 1);
    field_bytes(t, 8, name);
    field_bytes(t, 9, std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    return t;
}
inline std::string tensor_i64(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
    std::string t;
    for (auto d : dims) field_varint(t, 1, uint64_t(d));
    field_varint(t, 2, 7);
    field_bytes(t, 8, name);
    field_bytes(t, 9, std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8));
    return t;
}

// ValueInfoProto of a tensor; a negative dim becomes dim_param "N".
inline std::string value_info(const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
    std::string shape;
    for (auto d : dims) {
        std::string dim;
        if (d >= 0) field_varint(dim, 1, uint64_t(d));
        else field_bytes(dim, 2, "N");
        field_bytes(shape, 1, dim);
    }
    std::string tt;
    field_varint(tt, 1, uint64_t(elem_type));
    field_bytes(tt, 2, shape);
    std::string type;
    field_bytes(type, 1, tt);
    std::string vi;
    field_bytes(vi, 1, name);
    field_bytes(vi, 2, type);
    return vi;
}

struct Graph {
    std::string bytes;
    Graph& node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
                const std::vector<Attr>& attrs = {}, const std::string& name = "") {
        std::string n;
        for (auto& s : in) field_bytes(n, 1, s);
        for (auto& s : out) field_bytes(n, 2, s);
        if (!name.empty()) field_bytes(n, 3, name);
        field_bytes(n, 4, op);
        for (auto& a : attrs) field_bytes(n, 5, a.bytes);
        field_bytes(bytes, 1, n);
        return *this;
    }
    Graph& initializer(const std::string& tensor) { field_bytes(bytes, 5, tensor); return *this; }
    Graph& input(const std::string& vi) { field_bytes(bytes, 11, vi); return *this; }
    Graph& output(const std::string& vi) { field_bytes(bytes, 12, vi); return *this; }
};

inline std::string model(const Graph& g, int64_t opset = 13, int64_t ir_version = 8) {
    std::string m;
    field_varint(m, 1, uint64_t(ir_version));
    field_bytes(m, 2, "vireo-test");
    field_bytes(m, 7, g.bytes);
    std::string os;
    field_bytes(os, 1, "");
    field_varint(os, 2, uint64_t(opset));
    field_bytes(m, 8, os);
    return m;
}

}  // namespace vireo::test::pb
