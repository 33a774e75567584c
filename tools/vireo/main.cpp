// vireo — command-line tool: info, run, bench.
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "kernels/cpu.hpp"
#include "runtime/exec/session_impl.hpp"
#include "runtime/onnx/mapped_file.hpp"
#include "runtime/onnx/proto.hpp"
#include "runtime/ops/op.hpp"
#include "vireo/vireo.hpp"

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (2 to 4 bytes), or 0; its
// code point goes to *cp.
size_t utf8_seq(const std::string& s, size_t i, uint32_t* cp) {
    auto b = [&](size_t k) { return i + k < s.size() ? uint8_t(s[i + k]) : uint8_t(0); };
    uint8_t c = b(0);
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0) return 0;
    uint8_t lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80, hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (b(1) < lo || b(1) > hi) return 0;
    uint32_t v = c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0) != 0x80) return 0;
        v = v << 6 | (b(k) & 0x3F);
    }
    *cp = v;
    return n;
}

// Errors are reported as exactly one line of valid UTF-8. Messages quote names
// and paths from the model file, which may hold any bytes: line breaks and tabs
// become spaces; other control characters, Unicode line separators and bytes
// that are not well-formed UTF-8 are escaped as \xNN.
std::string one_line(const std::string& s) {
    std::string r;
    r.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        uint8_t c = uint8_t(s[i]);
        if (c == '\n' || c == '\r' || c == '\t') {
            r += ' ';
            ++i;
            continue;
        }
        if (c >= 0x20 && c < 0x7F) {
            r += char(c);
            ++i;
            continue;
        }
        uint32_t cp = 0;
        size_t n = utf8_seq(s, i, &cp);
        if (n && cp > 0x9F && cp != 0x2028 && cp != 0x2029) {  // not a C1 control or line/paragraph separator
            r.append(s, i, n);
            i += n;
            continue;
        }
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        r += buf;
        ++i;
    }
    return r;
}

using Clock = std::chrono::steady_clock;

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const char* kUsage =
    "usage: vireo <command> [options]\n"
    "\n"
    "commands:\n"
    "  info MODEL [--optimized]        opset, inputs, outputs and op histogram; exit 1 on unsupported ops;\n"
    "                                  --optimized also lists the ops after vireo's graph passes\n"
    "  run MODEL [--input FILE]... [--output-dir DIR] [--threads N] [--isa ISA]\n"
    "                                  run once; FILE is .npy or TensorProto .pb (or NAME=FILE);\n"
    "                                  output i is written to DIR/output_<i>.npy\n"
    "  bench MODEL [--input FILE]... [--shape NAME=1x3x224x224]... [--threads N] [--runs R]\n"
    "              [--warmup W] [--isa ISA] [--json]\n"
    "                                  latency, peak RSS, arena bytes and a per-op profile\n"
    "\n"
    "environment: VIREO_NUM_THREADS (default threads), VIREO_ISA (scalar|avx2|avx512|neon cap)\n";

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// From /proc/self/status: VmHWM is this process's own peak, whereas getrusage's
// ru_maxrss carries a larger parent's peak across execve.
double proc_status_mb(const char* key) {
    if (FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        size_t n = std::strlen(key);
        while (std::fgets(line, sizeof line, f))
            if (std::strncmp(line, key, n) == 0) {
                std::fclose(f);
                return std::atof(line + n) / 1024.0;  // kB
            }
        std::fclose(f);
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}
double peak_rss_mb() { return proc_status_mb("VmHWM:"); }
double current_rss_mb() { return proc_status_mb("VmRSS:"); }

std::string shape_text(const vireo::ValueInfo& v) {
    if (!v.has_shape) return "?";
    std::string s = "[";
    for (size_t i = 0; i < v.shape.size(); ++i) {
        if (i) s += ",";
        if (v.shape[i] >= 0) s += std::to_string(v.shape[i]);
        else s += v.dim_names[i].empty() ? "?" : v.dim_names[i];
    }
    return s + "]";
}

int parse_int(const std::string& flag, const std::string& v, int lo, int hi) {
    char* end = nullptr;
    long x = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || x < lo || x > hi)
        throw UsageError(flag + " expects an integer between " + std::to_string(lo) + " and " + std::to_string(hi) +
                         ", got '" + v + "'");
    return int(x);
}

struct Args {
    std::string command, model, output_dir, isa;
    std::vector<std::string> inputs, shapes;
    int threads = 0, runs = 20, warmup = 3;
    bool json = false, optimized = false;
};

Args parse_args(int argc, char** argv) {
    Args a;
    if (argc < 2) throw UsageError("missing command");
    a.command = argv[1];
    if (a.command == "-h" || a.command == "--help" || a.command == "help") return a;
    if (a.command != "info" && a.command != "run" && a.command != "bench")
        throw UsageError("unknown command '" + a.command + "'");
    for (int i = 2; i < argc; ++i) {
        std::string s = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw UsageError(s + " needs a value");
            return argv[++i];
        };
        if (s == "--input" || s == "-i") a.inputs.push_back(value());
        else if (s == "--output-dir" || s == "-o") a.output_dir = value();
        else if (s == "--threads") a.threads = parse_int(s, value(), 1, 1024);
        else if (s == "--isa") a.isa = value();
        else if (s == "--shape" && a.command == "bench") a.shapes.push_back(value());
        else if (s == "--runs" && a.command == "bench") a.runs = parse_int(s, value(), 1, 1000000);
        else if (s == "--warmup" && a.command == "bench") a.warmup = parse_int(s, value(), 0, 1000000);
        else if (s == "--json" && a.command == "bench") a.json = true;
        else if (s == "--optimized" && a.command == "info") a.optimized = true;
        else if (s.size() > 1 && s[0] == '-') throw UsageError("unknown option '" + s + "' for " + a.command);
        else if (a.model.empty()) a.model = s;
        else throw UsageError("unexpected argument '" + s + "'");
    }
    if (a.model.empty()) throw UsageError(a.command + " needs a MODEL");
    return a;
}

vireo::Options session_options(const Args& a) {
    vireo::Options o;
    o.threads = a.threads;
    o.isa = a.isa;
    return o;
}

// TBB caps its workers at the CPUs it sees as available (its default
// concurrency) and prints a multi-line warning to stderr when a session asks
// for more: with --threads or VIREO_NUM_THREADS above that, or in a CPU-pinned
// container, where the physical core count (read over all online CPUs) can be. The
// session's thread count is what it asked for, so the CLI raises TBB's cap to
// it for the life of the process; stderr then only carries vireo's own lines.
std::unique_ptr<tbb::global_control> allow_threads(const Args& a) {
    size_t want = size_t(a.threads > 0 ? a.threads : vireo::rt::default_thread_count());
    size_t cap = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    if (want <= cap) return nullptr;
    return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, want);
}

// --input FILE or NAME=FILE, matched to the model's inputs in order.
std::vector<vireo::Tensor> load_inputs(const vireo::Model& model, const std::vector<std::string>& specs) {
    const auto& ins = model.inputs();
    std::vector<vireo::Tensor> r(ins.size());
    size_t next = 0;
    for (auto& spec : specs) {
        std::string path = spec;
        size_t slot = ins.size();
        size_t eq = spec.find('=');
        if (eq != std::string::npos) {
            for (size_t i = 0; i < ins.size(); ++i)
                if (ins[i].name == spec.substr(0, eq)) slot = i;
            if (slot < ins.size()) path = spec.substr(eq + 1);
        }
        if (slot == ins.size()) {
            while (next < ins.size() && r[next].defined()) ++next;
            vireo::check(next < ins.size(), "too many --input files: the model takes ", ins.size(), " input(s)");
            slot = next;
        }
        vireo::check(!r[slot].defined(), "input '", ins[slot].name, "' given twice");
        r[slot] = vireo::load_tensor_file(path);
    }
    for (size_t i = 0; i < ins.size(); ++i)
        vireo::check(r[i].defined(), "no --input for model input '", ins[i].name, "' (", vireo::dtype_name(ins[i].dtype),
                     " ", shape_text(ins[i]), ")");
    return r;
}

std::string summary(const vireo::Tensor& t) {
    char buf[160];
    std::string s = std::string(vireo::dtype_name(t.dtype())) + vireo::shape_str(t.shape());
    if (t.numel() == 0) return s;
    double mn = INFINITY, mx = -INFINITY, sum = 0;
    int64_t arg = 0;
    for (int64_t i = 0; i < t.numel(); ++i) {
        double v;
        switch (t.dtype()) {
            case vireo::DType::Float32: v = t.data<float>()[i]; break;
            case vireo::DType::Float64: v = t.data<double>()[i]; break;
            case vireo::DType::Int64: v = double(t.data<int64_t>()[i]); break;
            case vireo::DType::Int32: v = t.data<int32_t>()[i]; break;
            case vireo::DType::Int8: v = t.data<int8_t>()[i]; break;
            case vireo::DType::UInt8: case vireo::DType::Bool: v = t.data<uint8_t>()[i]; break;
            default: return s;
        }
        if (v > mx) { mx = v; arg = i; }
        mn = std::min(mn, v);
        sum += v;
    }
    std::snprintf(buf, sizeof buf, "  min %.6g  max %.6g (at %lld)  mean %.6g", mn, mx, (long long)arg,
                  sum / double(t.numel()));
    return s + buf;
}

int cmd_info(const Args& a) {
    // Parse the file directly, so that a model with unsupported ops can still be described.
    auto file = vireo::rt::MappedFile::open(a.model);
    vireo::rt::onnx::ParseEnv env;
    vireo::rt::onnx::ModelProto mp;
    try {
        mp = vireo::rt::onnx::parse_model(file->data, file->size, env);
    } catch (const vireo::Error& e) {
        vireo::fail("'", a.model, "': ", e.what());
    }
    std::cout << "model:    " << a.model << "\n";
    std::cout << "ir:       " << mp.ir_version << "\n";
    std::cout << "producer: " << mp.producer_name << " " << mp.producer_version << "\n";
    std::cout << "opset:   ";
    int64_t onnx_opset = mp.ir_version < 3 ? 1 : 0;
    for (auto& [d, v] : mp.opset_imports) {
        std::cout << " " << (d.empty() ? "ai.onnx" : d) << " " << v;
        if (d.empty() || d == "ai.onnx") onnx_opset = v;
    }
    std::cout << "\n";
    std::set<std::string> inits;
    for (auto& [n, t] : mp.graph.initializers) inits.insert(n);
    auto print_vi = [](const vireo::rt::onnx::ValueInfoProto& v) {
        vireo::ValueInfo vi{v.name, v.elem, v.dims, v.dim_names, v.has_shape};
        std::cout << "  " << v.name << ": " << (v.is_tensor ? vireo::dtype_name(v.elem) : "non-tensor") << " "
                  << shape_text(vi) << "\n";
    };
    std::cout << "inputs:\n";
    for (auto& v : mp.graph.inputs)
        if (!inits.count(v.name)) print_vi(v);
    std::cout << "outputs:\n";
    for (auto& v : mp.graph.outputs) print_vi(v);
    std::map<std::string, int> hist;
    std::set<std::string> unsupported;
    const auto& reg = vireo::rt::OpRegistry::global();
    for (auto& n : mp.graph.nodes) {
        bool onnx = n.domain.empty() || n.domain == "ai.onnx";
        std::string key = onnx ? n.op_type : n.domain + "::" + n.op_type;
        ++hist[key];
        if (!onnx || !reg.find(n.op_type, int(onnx_opset))) unsupported.insert(key);
    }
    std::cout << "initializers: " << mp.graph.initializers.size() << "\n";
    std::cout << "nodes: " << mp.graph.nodes.size() << "\n";
    std::cout << "ops:\n";
    for (auto& [op, n] : hist) std::printf("  %-28s %6d%s\n", op.c_str(), n, unsupported.count(op) ? "  (unsupported)" : "");
    std::cout << "isa: " << vireo::kernels::isa_name(vireo::kernels::resolve_isa(a.isa)) << "\n";
    if (!unsupported.empty()) {
        std::string list;
        for (auto& u : unsupported) list += (list.empty() ? "" : ", ") + u;
        vireo::fail("unsupported ops at opset ", onnx_opset, ": ", list);
    }
    // Full import validates the graph (names, cycles, attributes).
    vireo::Model model = vireo::Model::load(a.model);
    std::cout << "after graph passes: " << model.optimized_node_count() << " nodes (from " << model.node_count()
              << ")\n";
    if (a.optimized) {
        std::cout << "optimized ops:\n";
        for (auto& [op, n] : model.optimized_op_histogram()) std::printf("  %-28s %6d\n", op.c_str(), n);
    }
    return 0;
}

int cmd_run(const Args& a) {
    vireo::Model model = vireo::Model::load(a.model);
    auto inputs = load_inputs(model, a.inputs);
    auto tbb_cap = allow_threads(a);
    vireo::Session session(model, session_options(a));
    auto t0 = Clock::now();
    auto outs = session.run(inputs);
    double ms = ms_since(t0);
    if (!a.output_dir.empty()) {
        struct stat st{};
        if (stat(a.output_dir.c_str(), &st) != 0) {
            vireo::check(mkdir(a.output_dir.c_str(), 0755) == 0, "cannot create output directory '", a.output_dir, "': ",
                         std::strerror(errno));
        } else {
            vireo::check(S_ISDIR(st.st_mode), "'", a.output_dir, "' is not a directory");
        }
        for (size_t i = 0; i < outs.size(); ++i)
            vireo::save_npy(a.output_dir + "/output_" + std::to_string(i) + ".npy", outs[i]);
    }
    for (size_t i = 0; i < outs.size(); ++i)
        std::cout << "output " << i << " '" << model.outputs()[i].name << "': " << summary(outs[i]) << "\n";
    std::printf("ran in %.3f ms (%d thread%s, %s)\n", ms, session.threads(), session.threads() == 1 ? "" : "s",
                session.isa().c_str());
    return 0;
}

std::vector<vireo::Tensor> random_inputs(const vireo::Model& model, const std::vector<std::string>& shape_specs) {
    std::map<std::string, vireo::Shape> overrides;
    for (auto& spec : shape_specs) {
        size_t eq = spec.find('=');
        if (eq == std::string::npos) throw UsageError("--shape expects NAME=DxDx..., got '" + spec + "'");
        vireo::Shape s;
        std::string dims = spec.substr(eq + 1);
        size_t p = 0;
        while (p <= dims.size()) {
            size_t x = dims.find('x', p);
            std::string d = dims.substr(p, x == std::string::npos ? std::string::npos : x - p);
            s.push_back(parse_int("--shape", d, 0, 1 << 30));
            if (x == std::string::npos) break;
            p = x + 1;
        }
        overrides[spec.substr(0, eq)] = s;
    }
    std::mt19937 rng(42);
    std::vector<vireo::Tensor> r;
    for (auto& in : model.inputs()) {
        vireo::Shape s;
        if (overrides.count(in.name)) {
            s = overrides[in.name];
            overrides.erase(in.name);
        } else {
            for (auto d : in.shape) s.push_back(d < 0 ? 1 : d);  // symbolic dims default to 1
        }
        vireo::Tensor t = vireo::Tensor::zeros(in.dtype, s);
        std::uniform_real_distribution<float> u(-1.f, 1.f);
        if (in.dtype == vireo::DType::Float32)
            for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
        else if (in.dtype == vireo::DType::Bool)
            for (int64_t i = 0; i < t.numel(); ++i) t.data<uint8_t>()[i] = rng() & 1;
        r.push_back(t);
    }
    if (!overrides.empty()) vireo::fail("--shape names unknown input '", overrides.begin()->first, "'");
    return r;
}

int cmd_bench(const Args& a) {
    double base_rss = current_rss_mb();
    auto t0 = Clock::now();
    vireo::Model model = vireo::Model::load(a.model);
    auto tbb_cap = allow_threads(a);
    vireo::Session session(model, session_options(a));
    double load_ms = ms_since(t0);
    auto inputs = a.inputs.empty() ? random_inputs(model, a.shapes) : load_inputs(model, a.inputs);
    t0 = Clock::now();
    session.run(inputs);
    double first_ms = ms_since(t0);
    for (int i = 0; i < a.warmup; ++i) session.run(inputs);
    std::vector<double> lat;
    for (int i = 0; i < a.runs; ++i) {
        t0 = Clock::now();
        session.run(inputs);
        lat.push_back(ms_since(t0));
    }
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) { return lat[std::min(lat.size() - 1, size_t(p * double(lat.size() - 1) + 0.5))]; };
    double median = lat.size() % 2 ? lat[lat.size() / 2] : 0.5 * (lat[lat.size() / 2 - 1] + lat[lat.size() / 2]);

    // Profile on separate runs so the timer calls do not touch the latency figures.
    session.set_profiling(true);
    int prof_runs = std::max(1, std::min(a.runs, 10));
    for (int i = 0; i < prof_runs; ++i) session.run(inputs);
    auto prof = session.profile();
    session.set_profiling(false);
    double prof_total = 0;
    for (auto& p : prof) prof_total += p.total_ms;

    std::printf("model:      %s (%zu nodes, %zu after graph passes, opset %d)\n", a.model.c_str(), model.node_count(),
                model.optimized_node_count(), model.opset());
    std::printf("threads:    %d   isa: %s\n", session.threads(), session.isa().c_str());
    std::printf("load:       %.2f ms\n", load_ms);
    std::printf("first run:  %.2f ms\n", first_ms);
    std::printf("latency:    min %.3f  median %.3f  p90 %.3f  max %.3f ms  (%d runs, %d warmup)\n", lat.front(), median,
                pct(0.9), lat.back(), a.runs, a.warmup);
    std::printf("peak RSS:   %.1f MB (%.1f MB before loading the model)\n", peak_rss_mb(), base_rss);
    std::printf("arena:      %zu bytes\n", session.arena_bytes());
    std::printf("profile (%d runs):\n  %-24s %8s %12s %7s\n", prof_runs, "op", "calls/run", "ms/run", "share");
    for (auto& p : prof)
        std::printf("  %-24s %8lld %12.3f %6.1f%%\n", p.op_type.c_str(), (long long)(p.calls / prof_runs),
                    p.total_ms / prof_runs, prof_total > 0 ? 100.0 * p.total_ms / prof_total : 0.0);
    if (a.json)
        std::printf("{\"model\": \"%s\", \"load_ms\": %.3f, \"first_ms\": %.3f, \"median_ms\": %.4f, \"min_ms\": %.4f, "
                    "\"p90_ms\": %.4f, \"max_ms\": %.4f, \"runs\": %d, \"peak_rss_mb\": %.2f, \"base_rss_mb\": %.2f, "
                    "\"arena_bytes\": %zu, "
                    "\"threads\": %d, \"isa\": \"%s\", \"nodes\": %zu, \"optimized_nodes\": %zu}\n",
                    a.model.c_str(), load_ms, first_ms, median, lat.front(), pct(0.9), lat.back(), a.runs, peak_rss_mb(), base_rss,
                    session.arena_bytes(), session.threads(), session.isa().c_str(), model.node_count(),
                    model.optimized_node_count());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Args a = parse_args(argc, argv);
        if (a.command == "-h" || a.command == "--help" || a.command == "help") {
            std::cout << kUsage;
            return 0;
        }
        if (a.command == "info") return cmd_info(a);
        if (a.command == "run") return cmd_run(a);
        return cmd_bench(a);
    } catch (const UsageError& e) {
        std::cerr << "vireo: " << e.what() << "\n" << kUsage;
        return 2;
    } catch (const vireo::Error& e) {
        std::cerr << "vireo: error: " << one_line(e.what()) << "\n";
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "vireo: error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "vireo: error: " << one_line(e.what()) << "\n";
        return 1;
    }
}
