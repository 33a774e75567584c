#include "runtime/onnx/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vireo/error.hpp"

namespace vireo::rt {

MappedFile::~MappedFile() {
    if (data && size) munmap(const_cast<uint8_t*>(data), size);
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path, bool no_follow) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise block until a
    // writer appears (a hang); it has no effect on the regular files we map,
    // and anything else is refused by the S_ISREG check below.
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (no_follow ? O_NOFOLLOW : 0);
    int fd = ::open(path.c_str(), flags);
    if (fd < 0) {
        if (no_follow && errno == ELOOP) fail("refusing to follow symlink '", path, "'");
        fail("cannot open '", path, "': ", std::strerror(errno));
    }
    struct stat st{};
    if (fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        fail("cannot stat '", path, "': ", std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        fail("'", path, "' is not a regular file");
    }
    if (no_follow && st.st_nlink > 1) {
        ::close(fd);
        fail("refusing '", path, "': it has ", st.st_nlink, " hard links");
    }
    auto m = std::make_shared<MappedFile>();
    m->size = size_t(st.st_size);
    if (m->size > 0) {
        void* p = mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            m->size = 0;
            fail("cannot map '", path, "': ", std::strerror(e));
        }
        m->data = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
    return m;
}

}  // namespace vireo::rt
