// vireo — read-only memory mapping of a file, shared by the tensors viewing it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace vireo::rt {

struct MappedFile {
    const uint8_t* data = nullptr;
    size_t size = 0;
    ~MappedFile();
    // Opens and maps `path`. With `no_follow`, the final component must not be a
    // symlink (O_NOFOLLOW) and the file must have exactly one hard link, so an
    // attacker-placed link cannot redirect the read.
    static std::shared_ptr<const MappedFile> open(const std::string& path, bool no_follow = false);
};

}  // namespace vireo::rt
