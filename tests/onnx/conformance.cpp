// Runs the ONNX backend test cases (libonnx-testdata) whose ops are all tier-1
// and whose inputs and outputs are of the supported types, comparing vireo's
// outputs with the expected ones at the ONNX backend tolerances.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/onnx/mapped_file.hpp"
#include "runtime/onnx/proto.hpp"
#include "vireo/vireo.hpp"

namespace {

constexpr double kRtol = 1e-3, kAtol = 1e-5;

std::vector<std::string> list_dir(const std::string& dir) {
    std::vector<std::string> r;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') r.push_back(e->d_name);
        closedir(d);
    }
    std::sort(r.begin(), r.end());
    return r;
}

bool exists(const std::string& p) {
    struct stat st{};
    return stat(p.c_str(), &st) == 0;
}

std::set<std::string> read_words(const std::string& path) {
    std::set<std::string> s;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string w;
        while (ls >> w) s.insert(w);
    }
    return s;
}

// "case-name   reason..." per line.
std::map<std::string, std::string> read_list(const std::string& path) {
    std::map<std::string, std::string> m;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        std::string name, reason;
        ls >> name;
        std::getline(ls, reason);
        m[name] = reason;
    }
    return m;
}

bool supported_io(vireo::DType t) {
    using vireo::DType;
    return t == DType::Float32 || t == DType::Int64 || t == DType::Int32 || t == DType::Int8 || t == DType::UInt8 ||
           t == DType::Bool;
}

// Eligible when every op is tier-1 ai.onnx and every graph input/output is of a supported type.
bool eligible(const std::string& model_path, const std::set<std::string>& tier1) {
    try {
        auto f = vireo::rt::MappedFile::open(model_path);
        vireo::rt::onnx::ParseEnv env;
        env.allow_external = false;
        auto m = vireo::rt::onnx::parse_model(f->data, f->size, env);
        for (auto& n : m.graph.nodes)
            if (!(n.domain.empty() || n.domain == "ai.onnx") || !tier1.count(n.op_type)) return false;
        std::set<std::string> inits;
        for (auto& [name, t] : m.graph.initializers) inits.insert(name);
        for (auto& v : m.graph.inputs)
            if (!inits.count(v.name) && !supported_io(v.elem)) return false;
        for (auto& v : m.graph.outputs)
            if (!supported_io(v.elem)) return false;
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::string compare(const vireo::Tensor& got, const vireo::Tensor& want) {
    using vireo::DType;
    std::ostringstream os;
    if (got.dtype() != want.dtype()) {
        os << "dtype " << vireo::dtype_name(got.dtype()) << " != expected " << vireo::dtype_name(want.dtype());
        return os.str();
    }
    if (got.shape() != want.shape()) {
        os << "shape " << vireo::shape_str(got.shape()) << " != expected " << vireo::shape_str(want.shape());
        return os.str();
    }
    int64_t n = got.numel();
    auto fcmp = [&](auto* g, auto* w) -> std::string {
        for (int64_t i = 0; i < n; ++i) {
            double a = double(g[i]), b = double(w[i]);
            if (std::isnan(b) && std::isnan(a)) continue;
            if (std::isinf(b) && a == b) continue;
            if (!(std::fabs(a - b) <= kAtol + kRtol * std::fabs(b))) {
                std::ostringstream e;
                e << "element " << i << ": got " << a << ", expected " << b;
                return e.str();
            }
        }
        return "";
    };
    switch (got.dtype()) {
        case DType::Float32: return fcmp(got.data<float>(), want.data<float>());
        case DType::Float64: return fcmp(got.data<double>(), want.data<double>());
        default:
            if (got.nbytes() && std::memcmp(got.raw(), want.raw(), got.nbytes()) != 0) {
                size_t es = vireo::dtype_size(got.dtype());
                for (int64_t i = 0; i < n; ++i)
                    if (std::memcmp(static_cast<const char*>(got.raw()) + i * es,
                                    static_cast<const char*>(want.raw()) + i * es, es) != 0) {
                        os << "integer element " << i << " differs";
                        return os.str();
                    }
            }
            return "";
    }
}

// Empty on success, else the first problem.
std::string run_case(const std::string& dir, const vireo::Options& opt) {
    try {
        vireo::Model model = vireo::Model::load(dir + "/model.onnx");
        vireo::Session session(model, opt);
        int sets = 0;
        for (auto& ds : list_dir(dir)) {
            if (ds.rfind("test_data_set_", 0) != 0) continue;
            ++sets;
            std::string d = dir + "/" + ds;
            std::vector<vireo::Tensor> inputs;
            for (size_t i = 0; exists(d + "/input_" + std::to_string(i) + ".pb"); ++i)
                inputs.push_back(vireo::load_tensor_pb(d + "/input_" + std::to_string(i) + ".pb"));
            std::vector<vireo::Tensor> want;
            for (size_t i = 0; exists(d + "/output_" + std::to_string(i) + ".pb"); ++i)
                want.push_back(vireo::load_tensor_pb(d + "/output_" + std::to_string(i) + ".pb"));
            auto got = session.run(inputs);
            if (got.size() != want.size())
                return ds + ": " + std::to_string(got.size()) + " outputs, expected " + std::to_string(want.size());
            for (size_t i = 0; i < got.size(); ++i) {
                std::string e = compare(got[i], want[i]);
                if (!e.empty()) return ds + " output " + std::to_string(i) + ": " + e;
            }
        }
        if (sets == 0) return "no test data sets";
        return "";
    } catch (const std::exception& e) {
        return std::string("error: ") + e.what();
    }
}

void usage() {
    std::cout << "usage: vireo_conformance [--data DIR] [--filter SUBSTR] [--allowlist FILE] [--ops FILE]\n"
                 "                         [--exclude FILE] [--isa ISA] [--threads N] [--list] [--verbose]\n"
                 "Runs every eligible ONNX backend case and prints 'N passed, M failed'. Exits 1 on a\n"
                 "failure that the allowlist does not name.\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::string data = "/usr/share/libonnx-testdata/data", filter, allow_path, ops_path, exclude_path;
    std::string here = VIREO_CONFORMANCE_DIR;
    allow_path = here + "/allowlist.txt";
    ops_path = here + "/ops-tier1.txt";
    exclude_path = here + "/excluded.txt";
    bool list = false, verbose = false;
    vireo::Options opt;
    opt.threads = 1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) { usage(); std::exit(2); }
            return argv[++i];
        };
        if (a == "--data") data = next();
        else if (a == "--filter") filter = next();
        else if (a == "--allowlist") allow_path = next();
        else if (a == "--ops") ops_path = next();
        else if (a == "--exclude") exclude_path = next();
        else if (a == "--isa") opt.isa = next();
        else if (a == "--threads") opt.threads = std::atoi(next().c_str());
        else if (a == "--list") list = true;
        else if (a == "--verbose" || a == "-v") verbose = true;
        else if (a == "--help" || a == "-h") { usage(); return 0; }
        else { usage(); return 2; }
    }
    std::set<std::string> tier1 = read_words(ops_path);
    if (tier1.empty()) {
        std::cerr << "vireo_conformance: cannot read the op list '" << ops_path << "'\n";
        return 2;
    }
    auto allow = read_list(allow_path);
    auto excluded = read_list(exclude_path);

    int passed = 0, failed = 0, allowed_failures = 0, eligible_count = 0;
    std::vector<std::string> unexpected, fixed;
    auto t0 = std::chrono::steady_clock::now();
    for (const char* suite : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
        std::string sdir = data + "/" + suite;
        for (auto& c : list_dir(sdir)) {
            std::string name = std::string(suite) + "/" + c;
            if (excluded.count(name)) continue;
            if (!filter.empty() && name.find(filter) == std::string::npos) continue;
            if (!eligible(sdir + "/" + c + "/model.onnx", tier1)) continue;
            ++eligible_count;
            if (list) { std::cout << name << "\n"; continue; }
            std::string err = run_case(sdir + "/" + c, opt);
            if (err.empty()) {
                ++passed;
                if (allow.count(name)) fixed.push_back(name);
                if (verbose) std::cout << "PASS " << name << "\n";
            } else {
                ++failed;
                bool ok = allow.count(name) > 0;
                if (ok) ++allowed_failures; else unexpected.push_back(name);
                std::cout << (ok ? "FAIL (allowlisted) " : "FAIL ") << name << ": " << err << "\n";
            }
        }
    }
    if (list) {
        std::cout << eligible_count << " eligible cases\n";
        return 0;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (auto& f : fixed) std::cout << "note: allowlisted case now passes: " << f << "\n";
    std::printf("%d passed, %d failed (%d allowlisted) of %d eligible cases in %.1f s\n", passed, failed,
                allowed_failures, eligible_count, secs);
    if (eligible_count == 0) return 1;
    return unexpected.empty() ? 0 : 1;
}
