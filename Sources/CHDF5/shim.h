#include <hdf5.h>

// libhdf5 spells these as macros Swift cannot import: comma expressions that call H5open() first
// (H5F_ACC_RDONLY, H5T_C_S1, H5P_DATASET_ACCESS) or casts ((hid_t)0, ((size_t)(-1))).
// One static inline function each, named after the macro.

/// H5F_ACC_RDONLY: open a file read-only.
static inline unsigned chdf5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
/// H5P_DEFAULT: the default property list.
static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
/// H5P_FILE_ACCESS: the file-access property list class.
static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }
/// H5P_DATASET_ACCESS: the dataset-access property list class (a link-access class too).
static inline hid_t chdf5_p_dataset_access(void) { return H5P_DATASET_ACCESS; }
/// H5E_DEFAULT: the calling thread's error stack.
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
/// H5S_ALL: the whole dataspace.
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
/// H5T_C_S1: the one-byte C string type.
static inline hid_t chdf5_t_c_s1(void) { return H5T_C_S1; }
/// H5T_VARIABLE: the size of a variable-length string type.
static inline size_t chdf5_t_variable(void) { return H5T_VARIABLE; }
