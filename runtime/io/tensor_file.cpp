// Tensor files: numpy .npy and ONNX TensorProto .pb, read through a mapping
// and checked so a broken header can never cause an over-read or a huge allocation.
#include <cstring>
#include <fstream>

#include "runtime/onnx/mapped_file.hpp"
#include "runtime/onnx/proto.hpp"
#include "vireo/vireo.hpp"

namespace vireo {

namespace {

struct NpyType { const char* descr; DType dtype; };
constexpr NpyType kNpyTypes[] = {
    {"<f4", DType::Float32}, {"<f8", DType::Float64}, {"<f2", DType::Float16}, {"<i8", DType::Int64},
    {"<i4", DType::Int32},   {"<i2", DType::Int16},   {"|i1", DType::Int8},    {"<u8", DType::UInt64},
    {"<u4", DType::UInt32},  {"<u2", DType::UInt16},  {"|u1", DType::UInt8},   {"|b1", DType::Bool},
};

const char* npy_descr(DType t) {
    for (auto& e : kNpyTypes)
        if (e.dtype == t) return e.descr;
    fail("cannot write ", dtype_name(t), " to .npy");
}

// Value of `key` in the header dict, as the raw text up to the next top-level ',' or '}'.
std::string dict_value(const std::string& h, const std::string& key, const std::string& path) {
    size_t k = h.find("'" + key + "'");
    if (k == std::string::npos) k = h.find("\"" + key + "\"");
    check(k != std::string::npos, "'", path, "': .npy header has no '", key, "'");
    size_t colon = h.find(':', k);
    check(colon != std::string::npos, "'", path, "': malformed .npy header");
    size_t i = colon + 1;
    while (i < h.size() && h[i] == ' ') ++i;
    size_t end = i;
    if (end < h.size() && h[end] == '(') {
        end = h.find(')', end);
        check(end != std::string::npos, "'", path, "': malformed shape in .npy header");
        ++end;
    } else {
        while (end < h.size() && h[end] != ',' && h[end] != '}') ++end;
    }
    return h.substr(i, end - i);
}

Shape parse_npy_shape(const std::string& s, const std::string& path) {
    check(s.size() >= 2 && s.front() == '(' && s.back() == ')', "'", path, "': malformed shape ", s, " in .npy header");
    Shape shape;
    std::string body = s.substr(1, s.size() - 2);
    size_t i = 0;
    while (i < body.size()) {
        while (i < body.size() && (body[i] == ' ' || body[i] == ',')) ++i;
        if (i >= body.size()) break;
        int64_t v = 0;
        size_t start = i;
        while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
            check(!__builtin_mul_overflow(v, int64_t(10), &v) && !__builtin_add_overflow(v, int64_t(body[i] - '0'), &v),
                  "'", path, "': dimension in .npy header overflows");
            ++i;
        }
        check(i > start, "'", path, "': malformed shape ", s, " in .npy header");
        check(shape.size() < 64, "'", path, "': .npy rank too large");
        shape.push_back(v);
    }
    return shape;
}

Tensor parse_npy(const uint8_t* d, size_t n, const std::string& path) {
    check(n >= 10 && std::memcmp(d, "\x93NUMPY", 6) == 0, "'", path, "' is not a .npy file");
    int major = d[6];
    size_t hlen, off;
    if (major == 1) {
        hlen = size_t(d[8]) | size_t(d[9]) << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        check(n >= 12, "'", path, "': truncated .npy header");
        hlen = size_t(d[8]) | size_t(d[9]) << 8 | size_t(d[10]) << 16 | size_t(d[11]) << 24;
        off = 12;
    } else {
        fail("'", path, "': unsupported .npy version ", major);
    }
    check(hlen <= n - off, "'", path, "': .npy header runs past the end of the file");
    std::string h(reinterpret_cast<const char*>(d + off), hlen);
    std::string descr = dict_value(h, "descr", path);
    check(descr.size() >= 2, "'", path, "': malformed descr in .npy header");
    descr = descr.substr(1, descr.size() - 2);  // strip quotes
    DType dt = DType::Undefined;
    for (auto& e : kNpyTypes)
        if (descr == e.descr || (descr.size() == 3 && descr[0] == '<' && std::string("|") + descr.substr(1) == e.descr))
            dt = e.dtype;
    check(dt != DType::Undefined, "'", path, "': unsupported .npy dtype '", descr, "'");
    std::string fortran = dict_value(h, "fortran_order", path);
    check(fortran.find("False") != std::string::npos, "'", path, "': Fortran-order .npy arrays are not supported");
    Shape shape = parse_npy_shape(dict_value(h, "shape", path), path);
    uint64_t need = 0;
    try {
        need = checked_nbytes(dt, shape);
    } catch (const Error& e) {
        fail("'", path, "': ", e.what());
    }
    size_t have = n - off - hlen;
    check(have == need, "'", path, "': .npy data holds ", have, " bytes but shape ", shape_str(shape), " of ",
          dtype_name(dt), " needs ", need);
    Tensor t = Tensor::zeros(dt, shape);
    if (need) std::memcpy(t.raw(), d + off + hlen, need);
    if (dt == DType::Bool)
        for (int64_t i = 0; i < t.numel(); ++i) t.data<uint8_t>()[i] = t.data<uint8_t>()[i] != 0;
    return t;
}

Tensor parse_pb(const uint8_t* d, size_t n, const std::string& path, std::string* name) {
    rt::onnx::ParseEnv env;  // no keepalive: the payload is copied out of the mapping
    try {
        rt::wire::Reader r(d, d + n, d);
        Tensor t = rt::onnx::parse_tensor(r, env, name);
        // parse_tensor copies unless given a keepalive, so the mapping may go away.
        return t;
    } catch (const Error& e) {
        fail("'", path, "': ", e.what());
    }
}

}  // namespace

Tensor load_npy(const std::string& path) {
    auto f = rt::MappedFile::open(path);
    return parse_npy(f->data, f->size, path);
}

Tensor load_tensor_pb(const std::string& path) {
    auto f = rt::MappedFile::open(path);
    return parse_pb(f->data, f->size, path, nullptr);
}

Tensor load_tensor_file(const std::string& path, std::string* name) {
    auto f = rt::MappedFile::open(path);
    if (f->size >= 6 && std::memcmp(f->data, "\x93NUMPY", 6) == 0) return parse_npy(f->data, f->size, path);
    check(f->size > 0, "'", path, "' is empty");
    return parse_pb(f->data, f->size, path, name);
}

void save_npy(const std::string& path, const Tensor& t) {
    std::string shape = "(";
    for (size_t i = 0; i < t.rank(); ++i) shape += std::to_string(t.dim(i)) + (t.rank() == 1 || i + 1 < t.rank() ? "," : "");
    shape += ")";
    std::string h = std::string("{'descr': '") + npy_descr(t.dtype()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
    size_t total = 10 + h.size() + 1;
    h.append((64 - total % 64) % 64, ' ');
    h += '\n';
    std::ofstream os(path, std::ios::binary);
    check(bool(os), "cannot write '", path, "'");
    uint16_t hl = uint16_t(h.size());
    os.write("\x93NUMPY\x01\x00", 8);
    os.put(char(hl & 0xff));
    os.put(char(hl >> 8));
    os.write(h.data(), std::streamsize(h.size()));
    os.write(static_cast<const char*>(t.raw()), std::streamsize(t.nbytes()));
    check(bool(os), "error writing '", path, "'");
}

}  // namespace vireo
