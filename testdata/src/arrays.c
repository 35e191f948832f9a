/* arrays.c - array shapes: multi-dimensional, arrays of pointers, pointers
 * to arrays, arrays of function pointers, arrays of typedefs and of
 * qualified elements, an array whose element type is an array typedef,
 * GNU vector types (DWARF arrays with DW_AT_GNU_vector), and a variable
 * length array inside a function. */

typedef int row_t[4];
typedef row_t matrix_t[3];		/* array of array typedef */

int            v_1d[10];
int            v_2d[3][4];
unsigned char  v_3d[2][3][5];
matrix_t       v_matrix;
row_t          v_rows[2];

int           *v_ptr_array[8];		/* array of pointers */
int          (*v_array_ptr)[8];		/* pointer to array */
int          (*v_2d_ptr)[3][4];		/* pointer to 2-d array */
int         *(*v_ptr_to_ptr_array)[5];	/* pointer to array of pointers */
char        **v_argv;

const int      v_const_elems[3] = { 1, 2, 3 };
volatile short v_volatile_elems[2];
const char    *const v_names[2] = { "a", "b" };	/* const array of ptr-to-const */

int          (*v_fn_array[4])(int, int);	/* array of function pointers */
void        (*(*v_fn_ptr_array_ptr)[2])(void);	/* pointer to array of function pointers */

typedef int   v4si __attribute__((vector_size(16)));	/* GNU vectors */
typedef float v4sf __attribute__((vector_size(16)));
typedef unsigned char v8qi __attribute__((vector_size(8)));
v4si           v_vec_int;
v4sf           v_vec_float;
v8qi           v_vec_bytes[2];

struct elem { int k; char name[16]; };
struct elem    v_elems[5];
struct elem   *v_elem_ptrs[2][2];

struct array_members {
	char      name[32];
	int       grid[2][2];
	int      *ptrs[3];
	int     (*pgrid)[2];
	struct elem e[2];
	unsigned long bitmap[(128 + 63) / 64];
	char      single[1];
	v4si      lanes;
};
struct array_members v_array_members;

int array_sum(int n, int a[n], int m[][4], int (*p)[8])
{
	int s = 0;
	int vla[n];			/* variable length array: non-constant bound */
	for (int i = 0; i < n; i++) {
		vla[i] = a[i];
		s += vla[i] + m[i][0] + (*p)[i];
	}
	return s;
}
