"""The fictional demo county's tables: places, people, products, the program and its courses.
Data only; the other modules of `countyhub.demo` build from them."""

from decimal import Decimal

COUNTY = {
    "slug": "qingshan",
    "name": "青山县",
    "name_en": "Qingshan County",
    "service_center": "青山县电子商务公共服务中心",
}
PUBLIC_BRAND = (
    "青山好物",
    "qingshan-goods",
    "青山县区域公用品牌：青山绿水间长出来的好东西，每一件都能追溯到村、到户。",
)
PRODUCT_BRANDS = [
    ("青山红苹果", "qingshan-apple", "海拔八百米的山地果园，昼夜温差大，苹果脆甜。"),
    ("青山百花蜜", "qingshan-honey", "合作社统一收购农户的土蜂蜜，一年只取一次。"),
    ("青山云雾茶", "qingshan-tea", "高山云雾里的明前茶，手工炒制。"),
    ("青山富硒米", "qingshan-rice", "富硒土壤种出的稻米，订单农业带动贫困户增收。"),
    ("青山山珍", "qingshan-wild", "香菇、木耳、核桃等林下产品。"),
]
CATEGORIES = [
    ("水果", "Fruit", "fruit"),
    ("粮油", "Grain and oil", "grain"),
    ("茶叶", "Tea", "tea"),
    ("蜂蜜", "Honey", "honey"),
    ("山珍干货", "Mushrooms and nuts", "dried"),
    ("禽蛋肉类", "Eggs and meat", "eggs-meat"),
    ("手工艺品", "Handicrafts", "crafts"),
]
TOWNSHIPS = {
    "青石镇": ["青石村", "柳树湾村", "桃花村", "石门村"],
    "白云乡": ["白云村", "高山村", "龙潭村", "杏林村"],
    "红岩镇": ["红岩村", "枣园村", "清泉村", "松坡村"],
}
# By road to the county seat (km): the villages near the seat and the mountain ones differ, as
# the impact report's remoteness bands (<10, 10-25, 25+ km) need.
VILLAGE_DISTANCES_KM = {
    "青石村": "3.5",
    "柳树湾村": "8.2",
    "桃花村": "12.6",
    "石门村": "21.0",
    "白云村": "17.4",
    "高山村": "34.8",
    "龙潭村": "27.5",
    "杏林村": "9.1",
    "红岩村": "14.3",
    "枣园村": "19.8",
    "清泉村": "26.2",
    "松坡村": "41.0",
}


def head_birth_year(index: int) -> int:
    """A plausible head's birth year (1950-1994) for the demo's household number ``index``;
    computed, not drawn, so that the demo's random draws stay as they were."""
    return 1950 + (index * 17) % 45


STATION_VILLAGES = {"青石村", "白云村", "红岩村", "桃花村", "龙潭村", "枣园村"}
# The seventh station opened a few months ago (coverage passes 50% recently); the order
# history's parcels go to the first six.
LAST_STATION_VILLAGE = "石门村"
SELLERS = [
    (
        "青山红苹果专业合作社",
        "cooperative",
        "桃花村",
        "合作社由 42 户果农组成，其中 15 户为建档立卡户。",
    ),
    ("白云蜂业合作社", "cooperative", "白云村", "蜂农把蜂箱放在山坡上，合作社统一检测、统一品牌。"),
    ("云雾茶叶专业合作社", "cooperative", "高山村", "老茶园改造后，茶农收入翻了一番。"),
    ("清泉富硒米合作社", "cooperative", "清泉村", "订单种植，保底收购。"),
    ("红岩山珍合作社", "cooperative", "红岩村", "收购林下香菇、木耳、核桃。"),
    ("青山农产品有限公司", "enterprise", "青石村", "县里的龙头企业，负责分拣、包装与冷链。"),
    ("枣园李大姐家庭农场", "household", "枣园村", "李大姐一家养土鸡、做手工布鞋。"),
]
# The English pages' names and stories of the brands (by slug) and the sellers (by name).
BRANDS_EN = {
    "qingshan-goods": (
        "Qingshan Goods",
        "Qingshan County's public brand: good things grown among green hills and clear water, "
        "each one traceable to its village and household.",
    ),
    "qingshan-apple": (
        "Qingshan Red Apples",
        "Hillside orchards 800 metres up; warm days and cool nights make the apples crisp and "
        "sweet.",
    ),
    "qingshan-honey": (
        "Qingshan Wildflower Honey",
        "The cooperative buys its farmers' native-bee honey, taken only once a year.",
    ),
    "qingshan-tea": (
        "Qingshan Cloud Mist Tea",
        "Early spring tea from the clouds and mist of the high hills, pan-fired by hand.",
    ),
    "qingshan-rice": (
        "Qingshan Selenium Rice",
        "Rice from selenium-rich soil; contract farming raises the incomes of poor households.",
    ),
    "qingshan-wild": (
        "Qingshan Mountain Treasures",
        "Shiitake, black fungus, walnuts and more from under the forest canopy.",
    ),
}
SELLERS_EN = {
    "青山红苹果专业合作社": (
        "Qingshan Red Apple Cooperative",
        "42 fruit-growing households, 15 of them registered poor households.",
    ),
    "白云蜂业合作社": (
        "Baiyun Beekeeping Cooperative",
        "Beekeepers keep their hives on the hillsides; the cooperative tests and brands the honey.",
    ),
    "云雾茶叶专业合作社": (
        "Cloud Mist Tea Cooperative",
        "Since the old tea gardens were renewed, the tea farmers' incomes have doubled.",
    ),
    "清泉富硒米合作社": (
        "Qingquan Selenium Rice Cooperative",
        "Contract farming with a guaranteed purchase price.",
    ),
    "红岩山珍合作社": (
        "Hongyan Mountain Produce Cooperative",
        "Buys shiitake, black fungus and walnuts gathered in the forests.",
    ),
    "青山农产品有限公司": (
        "Qingshan Agricultural Products Co., Ltd.",
        "The county's leading enterprise: sorting, packing and the cold chain.",
    ),
    "枣园李大姐家庭农场": (
        "Sister Li's Family Farm",
        "Sister Li's family raise free-range chickens and make handmade cloth shoes.",
    ),
}
# (name, English name, category slug, brand slug, seller index, unit, net content, price, stock)
PRODUCTS = [
    (
        "青山红富士苹果",
        "Qingshan Fuji apples",
        "fruit",
        "qingshan-apple",
        0,
        "box",
        "5 kg",
        "68.00",
        120,
    ),
    (
        "青山红苹果（散装称重）",
        "Qingshan apples, by weight",
        "fruit",
        "qingshan-apple",
        0,
        "kg",
        "",
        "9.80",
        400,
    ),
    (
        "青山黄元帅苹果",
        "Golden Delicious apples",
        "fruit",
        "qingshan-apple",
        0,
        "box",
        "5 kg",
        "58.00",
        80,
    ),
    (
        "山地小苹果",
        "Hill-grown small apples",
        "fruit",
        "qingshan-apple",
        0,
        "box",
        "3 kg",
        "39.90",
        60,
    ),
    ("冬枣", "Winter jujubes", "fruit", "qingshan-goods", 5, "box", "2.5 kg", "49.00", 70),
    ("猕猴桃", "Kiwi fruit", "fruit", "qingshan-goods", 5, "box", "3 kg", "45.00", 90),
    (
        "百花土蜂蜜",
        "Wildflower honey",
        "honey",
        "qingshan-honey",
        1,
        "bottle",
        "500 g",
        "78.00",
        150,
    ),
    ("槐花蜜", "Acacia honey", "honey", "qingshan-honey", 1, "bottle", "500 g", "68.00", 100),
    (
        "枣花蜜",
        "Jujube blossom honey",
        "honey",
        "qingshan-honey",
        1,
        "bottle",
        "1 kg",
        "118.00",
        40,
    ),
    ("蜂巢蜜", "Honeycomb", "honey", "qingshan-honey", 1, "box", "400 g", "98.00", 30),
    (
        "明前云雾绿茶",
        "Pre-Qingming cloud-mist green tea",
        "tea",
        "qingshan-tea",
        2,
        "box",
        "250 g",
        "168.00",
        50,
    ),
    ("高山红茶", "Highland black tea", "tea", "qingshan-tea", 2, "box", "250 g", "128.00", 60),
    ("散装绿茶（称重）", "Green tea, by weight", "tea", "qingshan-tea", 2, "jin", "", "120.00", 80),
    ("富硒大米", "Selenium-rich rice", "grain", "qingshan-rice", 3, "bag", "5 kg", "59.90", 200),
    (
        "富硒糙米",
        "Selenium-rich brown rice",
        "grain",
        "qingshan-rice",
        3,
        "bag",
        "2.5 kg",
        "36.00",
        120,
    ),
    (
        "小磨香油",
        "Stone-ground sesame oil",
        "grain",
        "qingshan-goods",
        5,
        "bottle",
        "500 ml",
        "45.00",
        90,
    ),
    (
        "农家菜籽油",
        "Farm rapeseed oil",
        "grain",
        "qingshan-goods",
        5,
        "bottle",
        "5 L",
        "128.00",
        50,
    ),
    ("小米", "Foxtail millet", "grain", "qingshan-rice", 3, "kg", "", "12.00", 300),
    ("干香菇", "Dried shiitake", "dried", "qingshan-wild", 4, "bag", "250 g", "38.00", 110),
    ("黑木耳", "Black fungus", "dried", "qingshan-wild", 4, "bag", "250 g", "32.00", 100),
    ("薄皮核桃", "Thin-shell walnuts", "dried", "qingshan-wild", 4, "kg", "", "36.00", 150),
    ("野生榛蘑", "Wild hazel mushrooms", "dried", "qingshan-wild", 4, "bag", "200 g", "58.00", 40),
    ("红枣干", "Dried red dates", "dried", "qingshan-goods", 5, "bag", "500 g", "29.90", 130),
    (
        "土鸡蛋",
        "Free-range eggs",
        "eggs-meat",
        "qingshan-goods",
        6,
        "box",
        "30 × 50 g",
        "45.00",
        60,
    ),
    (
        "散养土鸡",
        "Free-range chicken",
        "eggs-meat",
        "qingshan-goods",
        6,
        "piece",
        "≈ 1.5 kg",
        "118.00",
        25,
    ),
    ("农家腊肉", "Farmhouse cured pork", "eggs-meat", "qingshan-goods", 5, "kg", "", "88.00", 60),
    ("手工布鞋", "Handmade cloth shoes", "crafts", "qingshan-goods", 6, "piece", "", "88.00", 20),
    ("竹编果篮", "Woven bamboo basket", "crafts", "qingshan-goods", 5, "piece", "", "45.00", 35),
    ("草编坐垫", "Straw cushion", "crafts", "qingshan-goods", 6, "piece", "", "25.00", 40),
    ("苹果脆片", "Apple crisps", "fruit", "qingshan-apple", 0, "bag", "100 g", "15.80", 200),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = ["建国", "秀英", "桂兰", "国强", "丽", "军", "芳", "伟", "明", "海燕", "志强", "红梅"]

ASSISTED_VILLAGERS = (("李大爷", "13907310001"), ("赵奶奶", "13907310002"), ("孙婶", "13907310003"))
BUDGET_LINES = [
    ("县级电子商务公共服务中心", "investment", "5000000.00"),
    ("物流配送与村级服务站点", "investment", "6000000.00"),
    ("电商培训", "current", "2000000.00"),
    ("品牌培育与营销推广", "current", "3000000.00"),
    ("电子商务产业园", "investment", "5000000.00"),
    ("农产品冷链", "investment", "4000000.00"),
]
TASKS = [
    ("建成县级电子商务公共服务中心并投入运营", "商务局", -600, 30),
    ("完成 12 个村级服务站点选址", "商务局", -540, -10),
    ("出台电商物流补贴实施细则", "财政局", -500, 5),
    ("县域公用品牌“青山好物”注册与发布", "农业农村局", -420, 0),
    ("冷链仓储中心立项", "发改局", -300, 20),
    ("开展电商运营培训 500 人次", "人社局", -200, -5),
    ("电子商务产业园招商 20 家", "商务局", -60, None),
    ("村级站点快递进村全覆盖", "邮政管理局", 45, None),
    ("贫困户网上销售台账季度核查", "乡村振兴局", 20, None),
    ("年度示范县绩效自评报告", "商务局", 120, None),
]
COURSES = [
    ("电子商务运营", "E-Commerce Operation", 24, "开店流程、选品定价、客服、平台规则、数据分析"),
    ("直播带货", "Live-stream selling", 16, "直播间布置、话术、选品、合规与售后"),
    ("农产品摄影", "Product photography", 8, "手机拍摄、布光、主图与详情页"),
    ("包装与物流", "Packaging and logistics", 8, "生鲜包装、破损控制、快递选择与运费"),
    ("跨境电商基础", "Cross-border basics", 16, "海关编码、跨境平台、国际物流、结汇"),
]
OUT_OF_COUNTY = [
    "北京市朝阳区建国路 88 号",
    "上海市浦东新区世纪大道 100 号",
    "广东省广州市天河区天河路 208 号",
    "浙江省杭州市西湖区文三路 90 号",
    "四川省成都市武侯区人民南路 4 段",
    "湖北省武汉市江汉区解放大道 690 号",
]
# The GB/T 2260 county of each address above, which picks the seller's shipping rate.
OUT_OF_COUNTY_REGIONS = {
    "北京市朝阳区建国路 88 号": "110105",
    "上海市浦东新区世纪大道 100 号": "310115",
    "广东省广州市天河区天河路 208 号": "440106",
    "浙江省杭州市西湖区文三路 90 号": "330106",
    "四川省成都市武侯区人民南路 4 段": "510107",
    "湖北省武汉市江汉区解放大道 690 号": "420103",
}
# Every seller's home delivery rates: (region code, region, first kg, each further kg, free
# from); parcels to the county's stations are free by county policy.
SHIPPING_RATES = [
    ("", "全国", "12.00", "5.00", "199.00"),
    ("52", "贵州省", "6.00", "2.00", "99.00"),
]
DIVISION_CODE = "520199"  # the demo county's stand-in administrative division code
CENTRE = (Decimal("26.58000"), Decimal("106.71000"))
PACKHOUSE = ("县电商公共服务中心分拣包装车间", (Decimal("26.60150"), Decimal("106.72800")))
SEED = 2024
ORDER_MONTHS = 24

# The demo province: 青山县 and twelve neighbours that are plain County rows (no villages, no
# sellers; 白河县's come from demo.rollout, below), with their national demonstration
# designation (this many years before the current one; None: never designated) and yearbook
# figures simulated with a known effect of the designation. Every cohort has two counties (the
# DiD's cells need two): 凤山县 shares 青山县's cohort (its program, programs demo, is
# designated two years ago).
PROVINCE = {"name": "青山省", "name_en": "Qingshan Province", "code": "52"}
NEIGHBOURS = [
    # (name, slug, English name, designated this many years ago or None)
    ("白河县", "baihe", "Baihe County", 11),
    ("石门县", "shimen", "Shimen County", 11),
    ("云台县", "yuntai", "Yuntai County", 10),
    ("松溪县", "songxi", "Songxi County", 10),
    ("桃源县", "taoyuan", "Taoyuan County", 9),
    ("龙泉县", "longquan", "Longquan County", 9),
    ("清水县", "qingshui", "Qingshui County", 8),
    ("金坪县", "jinping", "Jinping County", 8),
    ("凤山县", "fengshan", "Fengshan County", 2),
    ("梅岭县", "meiling", "Meiling County", None),
    ("安平县", "anping", "Anping County", None),
    ("柳江县", "liujiang", "Liujiang County", None),
]
PROVINCE_SEED = 2015
# Yearbook figures from this many years ago up to last year (the latest a yearbook publishes).
YEARBOOK_YEARS = 14
# The known effect the demo's county DiD must recover: rural per-capita disposable income rises
# by this many yuan per person from the year of designation on, in every designated county.
DESIGNATION_EFFECT = Decimal("1200")

# The demo's village panel (demo.rollout): one neighbour, 白河县, has villages whose service
# stations opened in staggered years, a seller in each village and ten years of its sales,
# simulated with a known effect of the station, so that the village DiD has a true answer.
ROLLOUT_COUNTY = "baihe"
# Fixed, so the demo is the same every time. Across seeds 2000-2059 the village DiD's three
# overall 95% intervals all held the true effect in 52 of 60 draws; this one lands near it (0.03
# standard errors off), so the demo's test does not sit on the edge of its interval.
ROLLOUT_SEED = 2020
# Sales from this many years ago up to last year (whole years only).
ROLLOUT_YEARS = 10
# Platform sales of a village's seller rise by this many yuan a year from the year its village's
# station opened on, in every village and year.
STATION_EFFECT = Decimal("12000")
# Township -> villages with the year their station opened (this many years ago; None: no station
# yet). Four villages a cohort (the DiD refuses a cohort of one), four without a station.
ROLLOUT_TOWNSHIPS = {
    "白河镇": [
        ("上坝村", 8), ("石桥村", 8), ("白沙村", 6), ("杨家村", 6), ("新田村", 4),
        ("鱼塘村", 4), ("大湾村", 2), ("小河村", 2), ("竹林村", None), ("茶园村", None),
    ],
    "河口乡": [
        ("枫木村", 8), ("马鞍村", 8), ("青冈村", 6), ("水井村", 6), ("高坪村", 4),
        ("松林村", 4), ("岩脚村", 2), ("黄泥村", 2), ("柳湾村", None), ("石板村", None),
    ],
}  # fmt: skip
# What the village sellers sell (name, English name, unit, price in yuan): every price divides
# STATION_EFFECT, so the effect is a whole quantity of each product.
ROLLOUT_PRODUCTS = [
    ("高山土豆", "Highland potatoes", "jin", "5.00"),
    ("干香菇", "Dried shiitake", "jin", "40.00"),
    ("土蜂蜜", "Local honey", "jin", "60.00"),
    ("山核桃", "Mountain walnuts", "jin", "20.00"),
    ("高山绿茶", "Highland green tea", "jin", "120.00"),
]
