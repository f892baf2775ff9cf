"""Name-part tables and generators for the sandbox's fictional people and businesses.

Every person and business the sandbox generates is fictional: names are assembled at random
from common name parts, so any resemblance to a real person or company is a coincidence.

Each country follows its own naming custom, in its own script where it has one, with a
romanisation next to it:

- Thai: given name + surname in Thai script, RTGS romanisation.
- Lao: given name + surname in Lao script, the common French-influenced romanisation.
- Khmer: family name first, then given name, in Khmer script.
- Burmese: no family names; two or three syllables written together in Burmese script.
- Vietnamese: family, middle, given, with diacritics; the romanisation drops them.
- Malay (MY, BN, SG): given name + ``bin``/``binti`` + father's name, in Latin script.
- Chinese (SG, MY): Hanzi; dialect (Hokkien or Cantonese) surname, pinyin given name.
- Indian: Devanagari or Latin in India; ``s/o``/``d/o`` (SG) or ``a/l``/``a/p`` (MY) abroad.
- Indonesian: often a single name, else a given name and a second or family name.
- Filipino: given name, middle name (the mother's surname), surname.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

Gender = Literal["f", "m"]
Pair = tuple[str, str]  # (name in local script, romanisation)


@dataclass(frozen=True, slots=True)
class GeneratedName:
    """A generated legal name and its romanisation."""

    name: str
    name_latin: str


def _same(*names: str) -> tuple[Pair, ...]:
    # Latin-script names are their own romanisation.
    return tuple((n, n) for n in names)


# --- Thai -----------------------------------------------------------------------------------

TH_GIVEN_M: Final[tuple[Pair, ...]] = (
    ("สมชาย", "Somchai"),
    ("สมศักดิ์", "Somsak"),
    ("ประเสริฐ", "Prasoet"),
    ("วิชัย", "Wichai"),
    ("สุรชัย", "Surachai"),
    ("อนุชา", "Anucha"),
    ("ธนพล", "Thanaphon"),
    ("ณัฐพล", "Natthaphon"),
    ("กิตติพงษ์", "Kittiphong"),
    ("ชัยวัฒน์", "Chaiwat"),
    ("ปิยะ", "Piya"),
    ("วีระ", "Wira"),
    ("สุทธิพงษ์", "Sutthiphong"),
    ("ธีรวัฒน์", "Thirawat"),
    ("อภิชาติ", "Aphichat"),
    ("พงศกร", "Phongsakon"),
    ("ศุภชัย", "Supphachai"),
    ("จักรพันธ์", "Chakkraphan"),
    ("ภานุวัฒน์", "Phanuwat"),
    ("วรวุฒิ", "Worawut"),
    ("อาทิตย์", "Athit"),
    ("บุญมี", "Bunmi"),
)
TH_GIVEN_F: Final[tuple[Pair, ...]] = (
    ("สมหญิง", "Somying"),
    ("สุภาพร", "Suphaphon"),
    ("วิไลวรรณ", "Wilaiwan"),
    ("นภา", "Napha"),
    ("กาญจนา", "Kanchana"),
    ("พรทิพย์", "Phonthip"),
    ("ศิริพร", "Siriphon"),
    ("อรุณี", "Aruni"),
    ("มาลัย", "Malai"),
    ("รัตนา", "Rattana"),
    ("จันทร์เพ็ญ", "Chanphen"),
    ("ปราณี", "Prani"),
    ("สุดารัตน์", "Sudarat"),
    ("ณัฐธิดา", "Natthathida"),
    ("ปิยะนุช", "Piyanut"),
    ("กมลชนก", "Kamonchanok"),
    ("พิมพ์ชนก", "Phimchanok"),
    ("ชนิดา", "Chanida"),
    ("อัญชลี", "Anchali"),
    ("วรรณา", "Wanna"),
    ("ธิดารัตน์", "Thidarat"),
    ("ดวงใจ", "Duangchai"),
)
TH_FAMILY: Final[tuple[Pair, ...]] = (
    ("สุขสวัสดิ์", "Suksawat"),
    ("ศรีสุข", "Sisuk"),
    ("วงศ์สวัสดิ์", "Wongsawat"),
    ("แก้วมณี", "Kaeomani"),
    ("บุญมา", "Bunma"),
    ("ทองดี", "Thongdi"),
    ("จันทร์แก้ว", "Chankaeo"),
    ("ศรีวงศ์", "Siwong"),
    ("สมบูรณ์", "Sombun"),
    ("รัตนพันธ์", "Rattanaphan"),
    ("พรหมมา", "Phromma"),
    ("ชัยมงคล", "Chaimongkhon"),
    ("อินทร์แก้ว", "Inkaeo"),
    ("มั่นคง", "Mankhong"),
    ("เจริญสุข", "Charoensuk"),
    ("นาคสวัสดิ์", "Naksawat"),
    ("ศักดิ์ดี", "Sakdi"),
    ("ทองคำ", "Thongkham"),
    ("สายทอง", "Saithong"),
    ("บุญเรือง", "Bunrueang"),
    ("วงศ์ใหญ่", "Wongyai"),
    ("แสงทอง", "Saengthong"),
    ("เพชรรัตน์", "Phetcharat"),
    ("ธนากร", "Thanakon"),
    ("กิตติศักดิ์", "Kittisak"),
    ("ปัญญาดี", "Panyadi"),
    ("ศรีสมบัติ", "Sisombat"),
    ("มีสุข", "Misuk"),
    ("ใจดี", "Chaidi"),
    ("พึ่งบุญ", "Phuengbun"),
    ("อ่อนศรี", "Onsi"),
    ("รุ่งเรือง", "Rungrueang"),
)
TH_TRADES: Final[tuple[Pair, ...]] = (
    ("พาณิชย์", "Phanit"),
    ("การค้า", "Kankha"),
    ("ก่อสร้าง", "Kosang"),
    ("ขนส่ง", "Khonsong"),
    ("อาหาร", "Ahan"),
    ("ยานยนต์", "Yanyon"),
    ("วิศวกรรม", "Witsawakam"),
    ("เกษตร", "Kaset"),
)

# --- Lao ------------------------------------------------------------------------------------

LA_GIVEN: Final[tuple[Pair, ...]] = (
    ("ສົມສັກ", "Somsack"),
    ("ສົມພອນ", "Somphone"),
    ("ບຸນມີ", "Bounmy"),
    ("ຄຳພອນ", "Khamphone"),
    ("ພອນສະຫວັນ", "Phonesavanh"),
    ("ສຸກສະຫວັນ", "Souksavanh"),
    ("ວິໄລພອນ", "Vilayphone"),
    ("ບົວພາ", "Bouapha"),
    ("ຄຳແພງ", "Khamphaeng"),
    ("ສີພອນ", "Siphone"),
    ("ອານຸສອນ", "Anousone"),
    ("ທອງລຸນ", "Thongloun"),
    ("ສຸລິຍາ", "Souliya"),
    ("ມະນີວັນ", "Manivanh"),
    ("ດາລາ", "Dala"),
    ("ນາລີ", "Naly"),
    ("ພູວົງ", "Phouvong"),
    ("ແສງເດືອນ", "Sengdeuane"),
    ("ຄຳຫຼ້າ", "Khamla"),
    ("ວຽງໄຊ", "Viengxay"),
    ("ສົມບັດ", "Sombath"),
    ("ບຸນທັນ", "Bounthanh"),
    ("ອຸດົມ", "Oudom"),
    ("ສຸວັນນີ", "Souvanny"),
    ("ແກ້ວ", "Keo"),
    ("ສີດາ", "Sida"),
    ("ພອນທິບ", "Phonethip"),
    ("ວັນໄຊ", "Vanxay"),
    ("ສົມຈິດ", "Somchith"),
    ("ບຸນຍັງ", "Bounyang"),
    ("ທິບພະວອນ", "Thippavone"),
    ("ຄຳສີ", "Khamsy"),
    ("ອາລຸນ", "Aloun"),
    ("ດວງດີ", "Douangdy"),
    ("ນ້ອຍ", "Noy"),
    ("ເພັດ", "Phet"),
    ("ສາຍທອງ", "Saythong"),
    ("ມາລີ", "Maly"),
    ("ຈັນສຸກ", "Chansouk"),
    ("ວິໄລ", "Vilay"),
    ("ບຸນເລີດ", "Bounlerd"),
    ("ສຸກສົມບູນ", "Souksomboun"),
)
LA_FAMILY: Final[tuple[Pair, ...]] = (
    ("ສີສະຫວັດ", "Sisavath"),
    ("ພົມມະວົງ", "Phommavong"),
    ("ແກ້ວມະນີ", "Keomany"),
    ("ວົງສາ", "Vongsa"),
    ("ສີຫາລາດ", "Sihalath"),
    ("ຈັນທະວົງ", "Chanthavong"),
    ("ພົມມະຈັນ", "Phommachanh"),
    ("ອິນທະວົງ", "Inthavong"),
    ("ສຸລິວົງ", "Soulivong"),
    ("ໄຊຍະວົງ", "Xayavong"),
    ("ບຸບຜາ", "Bouppha"),
    ("ຄຳມະນີ", "Khammany"),
    ("ລາດສະວົງ", "Ladsavong"),
    ("ວົງພະຈັນ", "Vongphachanh"),
    ("ສີພັນດອນ", "Siphandone"),
    ("ພິລາວົງ", "Philavong"),
    ("ຈະເລີນສຸກ", "Chaleunsouk"),
    ("ມະນີວົງ", "Manivong"),
    ("ດວງມາລາ", "Douangmala"),
    ("ແສງອາລຸນ", "Sengaloun"),
    ("ພອນສະຫວັດ", "Phonesavath"),
    ("ສຸວັນນະວົງ", "Souvannavong"),
    ("ທຳມະວົງ", "Thammavong"),
    ("ສີວິໄລ", "Sivilay"),
    ("ອຸ່ນແກ້ວ", "Ounkeo"),
    ("ບົວລະພາ", "Boualapha"),
    ("ຂັນທະວົງ", "Khanthavong"),
    ("ໄຊສົມບັດ", "Xaysombath"),
    ("ວໍລະຈິດ", "Vorachit"),
    ("ພັນທະວົງ", "Phanthavong"),
    ("ຄຳພູວົງ", "Khamphouvong"),
)
LA_TRADES: Final[tuple[Pair, ...]] = (
    ("ການຄ້າ", "Trading"),
    ("ກໍ່ສ້າງ", "Construction"),
    ("ຂົນສົ່ງ", "Transport"),
    ("ອາຫານ", "Food"),
)

# --- Khmer ----------------------------------------------------------------------------------

KH_FAMILY: Final[tuple[Pair, ...]] = (
    ("សុខ", "Sok"),
    ("ចាន់", "Chan"),
    ("ហេង", "Heng"),
    ("លី", "Ly"),
    ("គឹម", "Kim"),
    ("ម៉ៅ", "Mao"),
    ("ស៊ុន", "Sun"),
    ("សេង", "Seng"),
    ("អ៊ុំ", "Um"),
    ("ឈឹម", "Chhim"),
    ("ញឹក", "Nhek"),
    ("ពេជ្រ", "Pech"),
    ("ហ៊ុន", "Hun"),
    ("ជា", "Chea"),
    ("ខៀវ", "Khiev"),
    ("ម៉ម", "Mom"),
    ("អ៊ុក", "Ouk"),
    ("ទេព", "Tep"),
    ("សួន", "Suon"),
    ("យិន", "Yin"),
    ("ព្រំ", "Prum"),
    ("សៅ", "Sao"),
    ("អ៊ឹង", "Ung"),
    ("ផល", "Phal"),
    ("ឡុង", "Long"),
    ("វង្ស", "Vong"),
    ("សំ", "Sam"),
    ("ពៅ", "Pov"),
    ("កែវ", "Keo"),
    ("សាន", "San"),
    ("ឈួន", "Chhuon"),
    ("ធី", "Thy"),
)
KH_GIVEN: Final[tuple[Pair, ...]] = (
    ("សុខា", "Sokha"),
    ("ដារ៉ា", "Dara"),
    ("វណ្ណា", "Vanna"),
    ("សុភា", "Sophea"),
    ("ចាន់ធា", "Chantha"),
    ("ពិសិដ្ឋ", "Piseth"),
    ("រតនា", "Rathana"),
    ("សុវណ្ណ", "Sovann"),
    ("បុប្ផា", "Bopha"),
    ("ស្រីមុំ", "Sreymom"),
    ("ស្រីនាង", "Sreyneang"),
    ("សុផល", "Sophal"),
    ("វិចិត្រ", "Vichet"),
    ("ធីតា", "Thida"),
    ("សុជាតិ", "Socheat"),
    ("រស្មី", "Reaksmey"),
    ("សំណាង", "Samnang"),
    ("វិបុល", "Vibol"),
    ("ម៉ាលី", "Maly"),
    ("សុភាព", "Sopheap"),
    ("ភក្តី", "Pheakdey"),
    ("ពិសី", "Pisey"),
    ("កញ្ញា", "Kanha"),
    ("សុភី", "Sophy"),
    ("បូរ៉ា", "Bora"),
    ("រដ្ឋា", "Rotha"),
    ("ស្រីពៅ", "Sreypov"),
    ("មករា", "Makara"),
    ("វាសនា", "Veasna"),
    ("ណារិន", "Narin"),
    ("ទេវី", "Tevy"),
    ("សុគន្ធា", "Sokunthea"),
    ("ដាវី", "Davy"),
    ("វុទ្ធី", "Vuthy"),
    ("ឧត្តម", "Oudom"),
    ("ចិន្តា", "Chenda"),
    ("សុខុម", "Sokhom"),
    ("ភារម្យ", "Phearum"),
    ("គន្ធា", "Kunthea"),
    ("លក្ខិណា", "Leakhena"),
    ("វិសាល", "Visal"),
    ("ពិសាល", "Pisal"),
)
KH_TRADES: Final[tuple[Pair, ...]] = (
    ("ពាណិជ្ជកម្ម", "Trading"),
    ("សំណង់", "Construction"),
    ("ដឹកជញ្ជូន", "Transport"),
)

# --- Burmese (syllables; Myanmar names have no family name) ----------------------------------

MM_SYLLABLES: Final[tuple[Pair, ...]] = (
    ("အောင်", "Aung"),
    ("ကျော်", "Kyaw"),
    ("မင်း", "Min"),
    ("ထွန်း", "Tun"),
    ("ဇော်", "Zaw"),
    ("စိုး", "Soe"),
    ("လှ", "Hla"),
    ("မြင့်", "Myint"),
    ("ဝင်း", "Win"),
    ("နိုင်", "Naing"),
    ("သန့်", "Thant"),
    ("ဟိန်း", "Hein"),
    ("ထက်", "Htet"),
    ("ပိုင်", "Paing"),
    ("သူ", "Thu"),
    ("ရဲ", "Ye"),
    ("နေ", "Nay"),
    ("လင်း", "Lin"),
    ("ခိုင်", "Khaing"),
    ("ဖြိုး", "Phyo"),
    ("မောင်", "Maung"),
    ("ဆန်း", "San"),
    ("ခင်", "Khin"),
    ("မြ", "Mya"),
    ("နွယ်", "Nwe"),
    ("ဖြူ", "Phyu"),
    ("ချို", "Cho"),
    ("အေး", "Aye"),
    ("ဆု", "Su"),
    ("ဇင်", "Zin"),
    ("မိုး", "Moe"),
    ("ပြည့်", "Pyae"),
    ("တင်", "Tin"),
    ("ထူး", "Htoo"),
    ("ချမ်း", "Chan"),
    ("မွန်", "Mon"),
    ("သက်", "Thet"),
    ("ငြိမ်း", "Nyein"),
    ("ပန်း", "Pann"),
    ("အိ", "Ei"),
    ("လွင်", "Lwin"),
    ("ကောင်း", "Kaung"),
    ("မြတ်", "Myat"),
    ("သိန်း", "Thein"),
    ("ထွေး", "Htwe"),
    ("နှင်း", "Hnin"),
    ("ဝါ", "Wah"),
    ("ဇာ", "Zar"),
)
MM_TRADES: Final[tuple[Pair, ...]] = (
    ("ကုန်သွယ်ရေး", "Trading"),
    ("ဆောက်လုပ်ရေး", "Construction"),
    ("သယ်ယူပို့ဆောင်ရေး", "Transport"),
    ("စားသောက်ကုန်", "Food"),
)

# --- Vietnamese -----------------------------------------------------------------------------

VN_FAMILY: Final[tuple[str, ...]] = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đào",
    "Đoàn",
    "Vương",
    "Trịnh",
    "Trương",
    "Lâm",
    "Phùng",
    "Mai",
    "Tô",
    "Hà",
    "Tạ",
    "Châu",
    "Cao",
    "Lương",
    "Quách",
    "Đinh",
)
VN_MIDDLE_M: Final[tuple[str, ...]] = ("Văn", "Đức", "Minh", "Hữu", "Quang", "Thanh", "Gia", "Bảo")
VN_MIDDLE_F: Final[tuple[str, ...]] = ("Thị", "Ngọc", "Thanh", "Thu", "Kim", "Phương", "Hoài")
VN_GIVEN_M: Final[tuple[str, ...]] = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Hải",
    "Hiếu",
    "Hùng",
    "Huy",
    "Khánh",
    "Long",
    "Minh",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Thắng",
    "Thành",
    "Trung",
    "Tuấn",
    "Tú",
    "Việt",
    "Đạt",
    "Khoa",
)
VN_GIVEN_F: Final[tuple[str, ...]] = (
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Ngọc",
    "Nhung",
    "Phương",
    "Quỳnh",
    "Tâm",
    "Thảo",
    "Trang",
    "Vân",
    "Vy",
    "Yến",
    "Hằng",
    "Hòa",
    "Chi",
    "Dung",
    "Giang",
    "Thủy",
    "Loan",
)
VN_TRADES: Final[tuple[str, ...]] = (
    "Thương mại",
    "Xây dựng",
    "Vận tải",
    "Thực phẩm",
    "Dịch vụ",
    "Công nghệ",
    "Nông sản",
)

# --- Malay (Malaysia, Brunei, Singapore) ----------------------------------------------------

MALAY_GIVEN_M: Final[tuple[Pair, ...]] = _same(
    "Ahmad",
    "Muhammad",
    "Mohd Faiz",
    "Hafiz",
    "Amir",
    "Azlan",
    "Faizal",
    "Hakim",
    "Haziq",
    "Irfan",
    "Iskandar",
    "Khairul",
    "Luqman",
    "Nazri",
    "Rizal",
    "Syafiq",
    "Zulkifli",
    "Aiman",
    "Danial",
    "Firdaus",
    "Hairul",
    "Kamarul",
    "Rosli",
    "Shahrul",
    "Azman",
    "Muhammad Adam",
)
MALAY_GIVEN_F: Final[tuple[Pair, ...]] = _same(
    "Nur Aisyah",
    "Siti Aminah",
    "Nurul Huda",
    "Farah",
    "Aina",
    "Amira",
    "Hidayah",
    "Izzati",
    "Nadia",
    "Nabila",
    "Syafiqah",
    "Zarina",
    "Rosnah",
    "Salmah",
    "Fatimah",
    "Norhayati",
    "Zulaikha",
    "Aqilah",
    "Balqis",
    "Hanis",
    "Liyana",
    "Siti Nurhaliza",
)
MALAY_FATHER: Final[tuple[Pair, ...]] = _same(
    "Abdullah",
    "Ahmad",
    "Ismail",
    "Hassan",
    "Hussin",
    "Ibrahim",
    "Othman",
    "Yusof",
    "Abu Bakar",
    "Razak",
    "Rahman",
    "Aziz",
    "Salleh",
    "Hamid",
    "Jamal",
    "Kassim",
    "Mahmud",
    "Mansor",
    "Omar",
    "Rashid",
    "Sulaiman",
    "Yaakob",
    "Zakaria",
    "Ali",
    "Idris",
    "Musa",
    "Nordin",
    "Rahim",
    "Latif",
    "Jaafar",
    "Mokhtar",
    "Daud",
)

# --- Chinese (Singapore, Malaysia): Hanzi, Hokkien and Cantonese surnames, pinyin given -----

CHINESE_FAMILY: Final[tuple[tuple[str, str, str], ...]] = (
    ("陈", "Tan", "Chan"),
    ("林", "Lim", "Lam"),
    ("李", "Lee", "Lee"),
    ("黄", "Ng", "Wong"),
    ("张", "Teo", "Cheung"),
    ("王", "Ong", "Wong"),
    ("吴", "Goh", "Ng"),
    ("刘", "Lau", "Lau"),
    ("蔡", "Chua", "Choi"),
    ("杨", "Yeo", "Yeung"),
    ("郑", "Tay", "Cheng"),
    ("梁", "Neo", "Leong"),
    ("许", "Koh", "Hui"),
    ("谢", "Chia", "Tse"),
    ("邱", "Khoo", "Yau"),
    ("何", "Ho", "Ho"),
    ("罗", "Loh", "Law"),
    ("郭", "Quek", "Kwok"),
    ("周", "Chew", "Chow"),
    ("洪", "Ang", "Hung"),
    ("叶", "Yap", "Yip"),
    ("苏", "Soh", "So"),
    ("庄", "Chng", "Chong"),
    ("卢", "Loo", "Lo"),
    ("孙", "Soon", "Suen"),
    ("余", "Yee", "Yu"),
    ("朱", "Choo", "Chu"),
    ("胡", "Oh", "Woo"),
    ("彭", "Phang", "Pang"),
    ("潘", "Phua", "Poon"),
    ("徐", "Chee", "Tsui"),
    ("曾", "Chan", "Tsang"),
)
CHINESE_GIVEN: Final[tuple[Pair, ...]] = (
    ("伟", "Wei"),
    ("明", "Ming"),
    ("志", "Zhi"),
    ("强", "Qiang"),
    ("俊", "Jun"),
    ("杰", "Jie"),
    ("文", "Wen"),
    ("华", "Hua"),
    ("建", "Jian"),
    ("国", "Guo"),
    ("家", "Jia"),
    ("宏", "Hong"),
    ("辉", "Hui"),
    ("丽", "Li"),
    ("美", "Mei"),
    ("玲", "Ling"),
    ("慧", "Hui"),
    ("婷", "Ting"),
    ("欣", "Xin"),
    ("怡", "Yi"),
    ("佳", "Jia"),
    ("雅", "Ya"),
    ("静", "Jing"),
    ("敏", "Min"),
    ("淑", "Shu"),
    ("芳", "Fang"),
    ("秀", "Xiu"),
    ("燕", "Yan"),
    ("思", "Si"),
    ("宇", "Yu"),
    ("浩", "Hao"),
    ("子", "Zi"),
    ("振", "Zhen"),
    ("荣", "Rong"),
    ("德", "De"),
    ("良", "Liang"),
    ("金", "Jin"),
    ("成", "Cheng"),
    ("轩", "Xuan"),
    ("晓", "Xiao"),
    ("天", "Tian"),
    ("安", "An"),
)

# --- Indian ---------------------------------------------------------------------------------

HINDI_GIVEN_M: Final[tuple[Pair, ...]] = (
    ("राहुल", "Rahul"),
    ("अमित", "Amit"),
    ("सुनील", "Sunil"),
    ("विजय", "Vijay"),
    ("राजेश", "Rajesh"),
    ("संजय", "Sanjay"),
    ("अजय", "Ajay"),
    ("अनिल", "Anil"),
    ("मनोज", "Manoj"),
    ("दीपक", "Deepak"),
    ("रवि", "Ravi"),
    ("सुरेश", "Suresh"),
    ("आकाश", "Akash"),
    ("अर्जुन", "Arjun"),
    ("विकास", "Vikas"),
    ("रोहित", "Rohit"),
    ("नितिन", "Nitin"),
    ("प्रकाश", "Prakash"),
    ("आदित्य", "Aditya"),
    ("करण", "Karan"),
)
HINDI_GIVEN_F: Final[tuple[Pair, ...]] = (
    ("प्रिया", "Priya"),
    ("अंजलि", "Anjali"),
    ("पूजा", "Pooja"),
    ("नेहा", "Neha"),
    ("सुनीता", "Sunita"),
    ("कविता", "Kavita"),
    ("आरती", "Aarti"),
    ("दिव्या", "Divya"),
    ("स्वाति", "Swati"),
    ("मीना", "Meena"),
    ("अनीता", "Anita"),
    ("शालिनी", "Shalini"),
    ("रेखा", "Rekha"),
    ("सीमा", "Seema"),
    ("निशा", "Nisha"),
    ("ज्योति", "Jyoti"),
    ("श्वेता", "Shweta"),
    ("गीता", "Geeta"),
    ("ममता", "Mamta"),
    ("रीता", "Rita"),
)
HINDI_FAMILY: Final[tuple[Pair, ...]] = (
    ("शर्मा", "Sharma"),
    ("वर्मा", "Verma"),
    ("गुप्ता", "Gupta"),
    ("सिंह", "Singh"),
    ("कुमार", "Kumar"),
    ("यादव", "Yadav"),
    ("जैन", "Jain"),
    ("अग्रवाल", "Agarwal"),
    ("मिश्रा", "Mishra"),
    ("पाण्डेय", "Pandey"),
    ("तिवारी", "Tiwari"),
    ("चौहान", "Chauhan"),
    ("पटेल", "Patel"),
    ("शाह", "Shah"),
    ("मेहता", "Mehta"),
    ("जोशी", "Joshi"),
    ("देसाई", "Desai"),
    ("कपूर", "Kapoor"),
    ("मल्होत्रा", "Malhotra"),
    ("खन्ना", "Khanna"),
    ("सक्सेना", "Saxena"),
    ("श्रीवास्तव", "Srivastava"),
    ("दुबे", "Dubey"),
    ("त्रिपाठी", "Tripathi"),
    ("चौधरी", "Chaudhary"),
    ("राठौर", "Rathore"),
    ("भट्ट", "Bhatt"),
    ("ठाकुर", "Thakur"),
    ("गोयल", "Goyal"),
    ("बंसल", "Bansal"),
)
# South Indian names, written in Latin script (as most South Indian legal documents carry them
# in English next to the state language).
SOUTH_GIVEN_M: Final[tuple[Pair, ...]] = _same(
    "Karthik",
    "Srinivas",
    "Venkatesh",
    "Ramesh",
    "Anand",
    "Arvind",
    "Ganesh",
    "Murali",
    "Balaji",
    "Senthil",
    "Prasad",
    "Harish",
)
SOUTH_GIVEN_F: Final[tuple[Pair, ...]] = _same(
    "Lakshmi",
    "Deepa",
    "Kavya",
    "Meera",
    "Kavitha",
    "Revathi",
    "Divya",
    "Sowmya",
    "Anitha",
    "Padma",
    "Shanthi",
    "Malathi",
)
SOUTH_FAMILY: Final[tuple[Pair, ...]] = _same(
    "Iyer",
    "Nair",
    "Reddy",
    "Rao",
    "Pillai",
    "Menon",
    "Naidu",
    "Krishnan",
    "Subramanian",
    "Hegde",
    "Shetty",
    "Gowda",
    "Raman",
    "Iyengar",
)
# Tamil names as Singapore and Malaysia register them: given name + s/o or a/l + father.
TAMIL_GIVEN_M: Final[tuple[str, ...]] = (
    "Ganesh",
    "Karthik",
    "Suresh",
    "Ramesh",
    "Vijay",
    "Arun",
    "Prakash",
    "Siva",
    "Murali",
    "Bala",
    "Saravanan",
    "Kumar",
)
TAMIL_GIVEN_F: Final[tuple[str, ...]] = (
    "Kavitha",
    "Priya",
    "Devi",
    "Lakshmi",
    "Malathi",
    "Revathi",
    "Shanti",
    "Vasanthi",
    "Meena",
    "Thilaga",
)
TAMIL_FATHER: Final[tuple[str, ...]] = (
    "Ramasamy",
    "Subramaniam",
    "Krishnan",
    "Muthu",
    "Arumugam",
    "Govindasamy",
    "Raman",
    "Nadarajan",
    "Selvaraj",
    "Perumal",
    "Maniam",
    "Rajoo",
)

# --- Indonesian -----------------------------------------------------------------------------

ID_SINGLE: Final[tuple[str, ...]] = (
    "Sutrisno",
    "Suparman",
    "Wahyudi",
    "Sumarni",
    "Suryani",
    "Slamet",
    "Supriyadi",
    "Haryanto",
    "Mulyadi",
    "Darmawan",
    "Sukarmi",
    "Sudirman",
    "Rusmini",
    "Tukiyem",
    "Paijo",
    "Suwarno",
)
ID_GIVEN: Final[tuple[str, ...]] = (
    "Agus",
    "Budi",
    "Dewi",
    "Eko",
    "Fajar",
    "Gita",
    "Hendra",
    "Indah",
    "Joko",
    "Kurnia",
    "Lestari",
    "Maya",
    "Nur",
    "Putri",
    "Rina",
    "Rudi",
    "Sari",
    "Taufik",
    "Wulan",
    "Yudi",
    "Adi",
    "Andi",
    "Bayu",
    "Dian",
    "Dimas",
    "Fitri",
    "Galih",
    "Hadi",
    "Intan",
    "Irfan",
    "Kartika",
    "Lina",
    "Made",
    "Nyoman",
    "Ketut",
    "Wayan",
    "Ratna",
    "Rizky",
    "Siti",
    "Tri",
    "Wahyu",
    "Yuli",
)
ID_FAMILY: Final[tuple[str, ...]] = (
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Kusuma",
    "Pratama",
    "Setiawan",
    "Nugroho",
    "Susanto",
    "Gunawan",
    "Halim",
    "Lubis",
    "Nasution",
    "Siregar",
    "Harahap",
    "Simanjuntak",
    "Sitompul",
    "Purnomo",
    "Wibowo",
    "Prasetyo",
    "Kurniawan",
    "Hartono",
    "Sulistyo",
    "Rahman",
    "Hakim",
    "Permana",
    "Firmansyah",
    "Ramadhan",
    "Utami",
    "Wulandari",
    "Anggraini",
    "Maharani",
)
ID_BUSINESS_WORDS: Final[tuple[str, ...]] = (
    "Sinar",
    "Jaya",
    "Makmur",
    "Abadi",
    "Sentosa",
    "Mandiri",
    "Sejahtera",
    "Karya",
    "Maju",
    "Bersama",
    "Cahaya",
    "Mulia",
    "Nusantara",
    "Lestari",
    "Perkasa",
)

# --- Filipino -------------------------------------------------------------------------------

PH_GIVEN: Final[tuple[str, ...]] = (
    "Maria",
    "Jose",
    "Juan",
    "Mark",
    "John Paul",
    "Angelica",
    "Kristine",
    "Jerome",
    "Rommel",
    "Analyn",
    "Jasmine",
    "Carlo",
    "Patricia",
    "Miguel",
    "Andrea",
    "Joshua",
    "Nicole",
    "Christian",
    "Camille",
    "Paolo",
    "Rachelle",
    "Jericho",
    "Bea",
    "Rhea",
    "Ramon",
    "Edgardo",
    "Lourdes",
    "Teresita",
    "Rosario",
    "Ernesto",
    "Maricel",
    "Arnel",
    "Liza",
    "Danilo",
    "Gerald",
    "Marites",
    "Joy",
    "Princess",
    "Angelo",
    "Kimberly",
)
PH_FAMILY: Final[tuple[str, ...]] = (
    "Santos",
    "Reyes",
    "Cruz",
    "Bautista",
    "Ocampo",
    "Garcia",
    "Mendoza",
    "Torres",
    "Tomas",
    "Andrada",
    "Castillo",
    "Flores",
    "Villanueva",
    "Ramos",
    "Castro",
    "Rivera",
    "Aquino",
    "Navarro",
    "Salazar",
    "Mercado",
    "Dela Cruz",
    "De Leon",
    "Gonzales",
    "Lopez",
    "Fernandez",
    "Aguilar",
    "Pascual",
    "Manalo",
    "Dizon",
    "Soriano",
    "Macaraeg",
    "Dimaculangan",
    "Magbanua",
)

_EN_TRADES: Final[tuple[str, ...]] = (
    "Trading",
    "Engineering",
    "Logistics",
    "Foods",
    "Construction",
    "Hardware",
    "Marine",
    "Electrical",
    "Textiles",
    "Provisions",
    "Motor",
    "Printing",
)


# --- Generators -----------------------------------------------------------------------------


def strip_diacritics(text: str) -> str:
    """``text`` without combining marks (Vietnamese ``Đặng`` becomes ``Dang``)."""
    # Đ/đ is a letter of its own, not D with a mark, so decomposition alone keeps it.
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Patronymic links (bin, a/l, s/o ...) are not part of what people pick as a handle.
_HANDLE_STOP_WORDS: Final[frozenset[str]] = frozenset({"bin", "binti", "al", "ap", "so", "do"})


def handle_parts(latin: str) -> tuple[str, ...]:
    """Lower-case ASCII words of a romanised name, for e-mail, UPI and Bakong handles."""
    ascii_text = strip_diacritics(latin).lower()
    words = ["".join(c for c in w if c.isascii() and c.isalpha()) for w in ascii_text.split()]
    return tuple(w for w in words if w and w not in _HANDLE_STOP_WORDS)


def _named(name: str, latin: str) -> GeneratedName:
    assert name and latin.isascii(), latin
    return GeneratedName(name, latin)


def _gender(rng: random.Random) -> Gender:
    return "f" if rng.random() < 0.5 else "m"


def _thai(rng: random.Random) -> GeneratedName:
    given = rng.choice(TH_GIVEN_F if _gender(rng) == "f" else TH_GIVEN_M)
    family = rng.choice(TH_FAMILY)
    return _named(f"{given[0]} {family[0]}", f"{given[1]} {family[1]}")


def _lao(rng: random.Random) -> GeneratedName:
    given, family = rng.choice(LA_GIVEN), rng.choice(LA_FAMILY)
    return _named(f"{given[0]} {family[0]}", f"{given[1]} {family[1]}")


def _khmer(rng: random.Random) -> GeneratedName:
    family, given = rng.choice(KH_FAMILY), rng.choice(KH_GIVEN)
    return _named(f"{family[0]} {given[0]}", f"{family[1]} {given[1]}")


def _burmese(rng: random.Random) -> GeneratedName:
    count = 2 if rng.random() < 0.6 else 3
    syllables = [rng.choice(MM_SYLLABLES) for _ in range(count)]
    # Burmese writes a name as one run of syllables; the romanisation spaces them.
    return _named("".join(s[0] for s in syllables), " ".join(s[1] for s in syllables))


def _vietnamese(rng: random.Random) -> GeneratedName:
    female = _gender(rng) == "f"
    family = rng.choice(VN_FAMILY)
    middle = rng.choice(VN_MIDDLE_F if female else VN_MIDDLE_M)
    given = rng.choice(VN_GIVEN_F if female else VN_GIVEN_M)
    name = f"{family} {middle} {given}"
    return _named(name, strip_diacritics(name))


def _malay(rng: random.Random, *, brunei: bool = False) -> GeneratedName:
    female = _gender(rng) == "f"
    given = rng.choice(MALAY_GIVEN_F if female else MALAY_GIVEN_M)[1]
    father = rng.choice(MALAY_FATHER)[1]
    # Bruneian names commonly carry the father's pilgrim title in the patronymic.
    if brunei and rng.random() < 0.35:
        father = f"Haji {father}"
    name = f"{given} {'binti' if female else 'bin'} {father}"
    return _named(name, name)


def _chinese(rng: random.Random, *, cantonese_share_pct: int) -> GeneratedName:
    hanzi, hokkien, cantonese = rng.choice(CHINESE_FAMILY)
    family_latin = cantonese if rng.randrange(100) < cantonese_share_pct else hokkien
    first, second = rng.choice(CHINESE_GIVEN), rng.choice(CHINESE_GIVEN)
    return _named(f"{hanzi}{first[0]}{second[0]}", f"{family_latin} {first[1]} {second[1]}")


def _tamil(rng: random.Random, *, son_of: str, daughter_of: str) -> GeneratedName:
    female = _gender(rng) == "f"
    given = rng.choice(TAMIL_GIVEN_F if female else TAMIL_GIVEN_M)
    name = f"{given} {daughter_of if female else son_of} {rng.choice(TAMIL_FATHER)}"
    return _named(name, name)


def _indian(rng: random.Random) -> GeneratedName:
    female = _gender(rng) == "f"
    if rng.random() < 0.6:
        given = rng.choice(HINDI_GIVEN_F if female else HINDI_GIVEN_M)
        family = rng.choice(HINDI_FAMILY)
        return _named(f"{given[0]} {family[0]}", f"{given[1]} {family[1]}")
    given = rng.choice(SOUTH_GIVEN_F if female else SOUTH_GIVEN_M)
    family = rng.choice(SOUTH_FAMILY)
    return _named(f"{given[0]} {family[0]}", f"{given[1]} {family[1]}")


def _indonesian(rng: random.Random) -> GeneratedName:
    # Many Indonesians, Javanese especially, have a single name and no family name.
    if rng.random() < 0.25:
        single = rng.choice(ID_SINGLE)
        return _named(single, single)
    name = f"{rng.choice(ID_GIVEN)} {rng.choice(ID_FAMILY)}"
    return _named(name, name)


def _filipino(rng: random.Random) -> GeneratedName:
    middle, surname = rng.sample(PH_FAMILY, 2)
    name = f"{rng.choice(PH_GIVEN)} {middle} {surname}"
    return _named(name, name)


def _singaporean(rng: random.Random) -> GeneratedName:
    roll = rng.randrange(100)
    if roll < 74:
        return _chinese(rng, cantonese_share_pct=15)
    if roll < 88:
        return _malay(rng)
    return _tamil(rng, son_of="s/o", daughter_of="d/o")


def _malaysian(rng: random.Random) -> GeneratedName:
    roll = rng.randrange(100)
    if roll < 62:
        return _malay(rng)
    if roll < 88:
        return _chinese(rng, cantonese_share_pct=50)
    return _tamil(rng, son_of="a/l", daughter_of="a/p")


_PERSON_GENERATORS: Final[dict[str, Callable[[random.Random], GeneratedName]]] = {
    "SG": _singaporean,
    "MY": _malaysian,
    "TH": _thai,
    "ID": _indonesian,
    "PH": _filipino,
    "VN": _vietnamese,
    "KH": _khmer,
    "LA": _lao,
    "BN": lambda rng: _malay(rng, brunei=True),
    "MM": _burmese,
    "IN": _indian,
}


def person_name(country: str, rng: random.Random) -> GeneratedName:
    """A fictional person's legal name as ``country`` writes it."""
    return _PERSON_GENERATORS[country](rng)


def business_name(country: str, rng: random.Random) -> GeneratedName:
    """A fictional business's registered name, with the legal form ``country`` uses."""
    trade = rng.choice(_EN_TRADES)
    if country == "TH":
        family, th_trade = rng.choice(TH_FAMILY), rng.choice(TH_TRADES)
        return _named(
            f"บริษัท {family[0]}{th_trade[0]} จำกัด",
            f"{family[1]} {th_trade[1]} Company Limited",
        )
    if country == "LA":
        family, la_trade = rng.choice(LA_FAMILY), rng.choice(LA_TRADES)
        return _named(
            f"ບໍລິສັດ {family[0]} {la_trade[0]} ຈຳກັດ", f"{family[1]} {la_trade[1]} Co., Ltd."
        )
    if country == "KH":
        given, kh_trade = rng.choice(KH_GIVEN), rng.choice(KH_TRADES)
        return _named(f"ក្រុមហ៊ុន {given[0]} {kh_trade[0]}", f"{given[1]} {kh_trade[1]} Co., Ltd.")
    if country == "MM":
        first, second = rng.choice(MM_SYLLABLES), rng.choice(MM_SYLLABLES)
        mm_trade = rng.choice(MM_TRADES)
        return _named(
            f"{first[0]}{second[0]} {mm_trade[0]} ကုမ္ပဏီလီမိတက်",
            f"{first[1]} {second[1]} {mm_trade[1]} Company Limited",
        )
    if country == "VN":
        owner = f"{rng.choice(VN_FAMILY)} {rng.choice(VN_GIVEN_M)}"
        name = f"Công ty TNHH {rng.choice(VN_TRADES)} {owner}"
        return _named(name, strip_diacritics(name))
    if country == "ID":
        words = rng.sample(ID_BUSINESS_WORDS, 2)
        form = "PT" if rng.random() < 0.7 else "CV"
        name = f"{form} {words[0]} {words[1]} {rng.choice(ID_FAMILY)}"
        return _named(name, name)
    if country == "PH":
        name = f"{rng.choice(PH_FAMILY)} {trade} Corporation"
        return _named(name, name)
    if country == "IN":
        founder = rng.choice(HINDI_FAMILY + SOUTH_FAMILY)[1]
        name = f"{founder} {trade} Private Limited"
        return _named(name, name)
    if country == "SG":
        name = f"{rng.choice(CHINESE_FAMILY)[1]} Brothers {trade} Pte. Ltd."
        return _named(name, name)
    if country == "MY":
        name = f"Syarikat {rng.choice(MALAY_FATHER)[1]} {trade} Sdn. Bhd."
        return _named(name, name)
    assert country == "BN", country
    name = f"{rng.choice(MALAY_FATHER)[1]} {trade} Sdn. Bhd."
    return _named(name, name)
